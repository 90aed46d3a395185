// The operations configuration: integrations, receivers, routes, people, schedules, escalation, rules.
export * from './types.js';
export * from './validate.js';
export * from './parse.js';
export { formatFileProblem, parseYamlFile, type FileProblem } from './yaml-locate.js';
