import { pgFactory } from './helpers/fixtures.js';
import { storeSuite } from './helpers/suite.js';

storeSuite(pgFactory());
