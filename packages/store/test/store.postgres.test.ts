import { pgFactory } from '@runledger/testkit';
import { storeSuite } from './helpers/suite.js';

storeSuite(pgFactory());
