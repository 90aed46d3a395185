import { sqliteFactory } from '@runledger/testkit';
import { storeSuite } from './helpers/suite.js';

storeSuite(sqliteFactory);
