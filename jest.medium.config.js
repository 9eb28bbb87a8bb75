// Medium tests: the real Nest apps, transport and stores together in one process, with the models faked.
const base = require('./jest.config.js');

module.exports = { ...base, roots: ['<rootDir>/test'], testRegex: '\\.medium-spec\\.ts$', testTimeout: 30000 };
