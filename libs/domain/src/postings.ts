export type AssetCode = 'points' | 'allowance' | 'credit' | 'experience';
export const ASSETS: readonly AssetCode[] = ['points', 'allowance', 'credit', 'experience'];

/**
 * Buckets keep the seeds' distinctions as data: `main` is what the user can use now, `held` is
 * reserved by open holds, `used` is spent since the last flush (StationThis "points"/"boints"),
 * `pending` waits for replenishment (StationThis "doints").
 */
export type Bucket = 'main' | 'held' | 'used' | 'pending';
export const BUCKETS: readonly Bucket[] = ['main', 'held', 'used', 'pending'];

export type SystemAccount = 'issuance' | 'purchases' | 'spent' | 'expired' | 'adjustments';
export const SYSTEM_ACCOUNTS: readonly SystemAccount[] = ['issuance', 'purchases', 'spent', 'expired', 'adjustments'];

export type AccountRef =
  | { readonly owner: 'user'; readonly userId: string; readonly asset: AssetCode; readonly bucket: Bucket }
  | { readonly owner: 'system'; readonly name: SystemAccount; readonly asset: AssetCode };

/** One leg of a movement. The legs of a transaction sum to zero per asset. */
export interface Posting {
  readonly account: AccountRef;
  readonly amount: number;
}

export type BalanceKey = `${AssetCode}:${Bucket}`;
export type Balances = Readonly<Partial<Record<BalanceKey, number>>>;

export const balanceKey = (asset: AssetCode, bucket: Bucket): BalanceKey => `${asset}:${bucket}`;

export const userAccount = (userId: string, asset: AssetCode, bucket: Bucket = 'main'): AccountRef => ({
  owner: 'user',
  userId,
  asset,
  bucket,
});
export const systemAccount = (name: SystemAccount, asset: AssetCode): AccountRef => ({ owner: 'system', name, asset });

/** Two postings moving `amount` from one account to another (nothing when amount is 0). */
export function transfer(from: AccountRef, to: AccountRef, amount: number): Posting[] {
  if (amount < 0) throw new RangeError(`transfer of a negative amount ${amount}`);
  if (from.asset !== to.asset) throw new Error(`transfer across assets ${from.asset} → ${to.asset}`);
  if (amount === 0) return [];
  return [
    { account: from, amount: -amount },
    { account: to, amount },
  ];
}

/** Applies the postings that touch `userId` to a copy of its balances. */
export function postToBalances(userId: string, balances: Balances, postings: readonly Posting[]): Balances {
  const next: Partial<Record<BalanceKey, number>> = { ...balances };
  for (const { account, amount } of postings) {
    if (account.owner !== 'user' || account.userId !== userId) continue;
    const key = balanceKey(account.asset, account.bucket);
    next[key] = (next[key] ?? 0) + amount;
  }
  return next;
}

/** Sum per asset of a set of postings; a balanced transaction has every sum at 0. */
export function sumsByAsset(postings: readonly Posting[]): Map<AssetCode, number> {
  const sums = new Map<AssetCode, number>();
  for (const { account, amount } of postings) sums.set(account.asset, (sums.get(account.asset) ?? 0) + amount);
  return sums;
}
