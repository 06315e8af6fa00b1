export { receivePayment, keyTaken, ENQUEUE_TIMEOUT_MS, type PaymentAnswer, type ReceiveDeps } from './receive-payment.ts';
export { sweepPayments, type SweepOptions, type SweepResult } from './payment-sweep.ts';
export { paymentQueue, type PaymentQueue } from './payment-queue.ts';
export { storePayment, listUnappliedPayments, storableJson, type PaymentRow, type NewPayment, type UnappliedPayment } from './payments.repository.ts';
export { countUnverifiedDelivery, recordDelivery, type VerifiedDelivery } from './webhook-deliveries.repository.ts';
