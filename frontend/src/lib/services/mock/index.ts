export { MockBackend, type MockOptions } from './backend';
