import type { BridgeContract } from './bridge';

/** Any event the backend pushes to the page through `window.llamadesk.emit`. */
export type BridgeEvent = BridgeContract['event'];

export type BridgeEventType = BridgeEvent['type'];

export type BridgeEventOf<T extends BridgeEventType> = Extract<BridgeEvent, { type: T }>;

export type BridgeEventHandler = (event: BridgeEvent) => void;
