// Security tests (test/security/*.security-spec.ts): one or more per finding of the hardening review, against the
// real gateway and pipeline modules in one process (models faked) or the plain functions that see hostile input.
// The ones that need the built app and real models are `*.e2e-spec.ts` in the same folder, run by test:e2e.
const base = require('./jest.config.js');

module.exports = { ...base, roots: ['<rootDir>/test'], testRegex: '\\.security-spec\\.ts$', testTimeout: 60000 };
