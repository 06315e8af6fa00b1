/** GET /api/points/transactions/{key}: what the engine knows of an event, by its idempotency key. */
export interface TransactionStatus {
  idempotency_key: string;
  /** applied or rejected (recorded in the ledger), queued or active (still in Redis), failed (with the reason). */
  status: 'applied' | 'rejected' | 'queued' | 'active' | 'failed';
  reason: string | null;
  transaction_id?: string;
}

/** Reads a transaction's status over HTTP (a `reader` key); null while the engine has no event with this key. */
export async function transactionStatus(apiUrl: string, apiKey: string, key: string): Promise<TransactionStatus | null> {
  const response = await fetch(`${apiUrl}/api/points/transactions/${encodeURIComponent(key)}`, { headers: { 'x-api-key': apiKey } });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`GET /api/points/transactions/${key}: ${response.status} ${await response.text()}`);
  return (await response.json()) as TransactionStatus;
}

/** Asks until the ledger recorded the event (applied or rejected), at most `attempts` times. */
export async function recordedStatus(apiUrl: string, apiKey: string, key: string, attempts = 50): Promise<TransactionStatus> {
  for (let attempt = 1; ; attempt++) {
    const status = await transactionStatus(apiUrl, apiKey, key);
    if (status && (status.status === 'applied' || status.status === 'rejected' || status.status === 'failed')) return status;
    if (attempt >= attempts) throw new Error(`${key} is still ${status?.status ?? 'unknown'} after ${attempts} reads`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
