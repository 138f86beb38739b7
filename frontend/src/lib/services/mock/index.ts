export { MockBackend, type MockOptions } from './backend';
export { MOCK_COMMAND } from './replies';
