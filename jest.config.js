// Unit and medium tests: one class (ports faked) or a few real in-process components. No model files needed.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/apps', '<rootDir>/libs'],
  testRegex: '\\.spec\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: { module: 'commonjs', moduleResolution: 'node' } }],
    // marked ships only ES modules; the web client's Markdown tests load it as CommonJS.
    // jose, openid-client (and its oauth4webapi) too: the gateway's sign-in loads them with import().
    'node_modules/(marked|jose|openid-client|oauth4webapi)/.+\\.js$': ['ts-jest', { isolatedModules: true, tsconfig: { allowJs: true, module: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(marked|jose|openid-client|oauth4webapi)/)'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
};
