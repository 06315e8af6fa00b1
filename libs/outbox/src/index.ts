export { OutboxRelay, type RelayOptions } from './outbox.relay.ts';
export { QueuePublisher, type OutboxPublisher, type QueuePublisherOptions } from './outbox.publisher.ts';
export { claimUndelivered, markDelivered, recordPublishError, recordCallbackAttempt } from './outbox.repository.ts';
export { toBotEvent, type OutboxRow } from './bot-event.mapper.ts';
export { nextPassDelay, type PassResult, type RelayTiming } from './relay.schedule.ts';
export { signBody, verifySignature, SIGNATURE_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, ATTEMPT_HEADER } from './callback.signer.ts';
export { createCallbackProcessor, type CallbackTarget } from './callback.processor.ts';
export { startOutboxRelay, type RunningRelay, type RelayConfig } from './start-relay.ts';
