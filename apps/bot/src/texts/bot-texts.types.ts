import type { StarsProduct } from '../catalogue.ts';
import type {
  AdjustmentAnswer,
  AdminUserAnswer,
  AnalyticsAnswer,
  BalanceAnswer,
  ConfigAnswer,
  EarningRulesAnswer,
  HistoryAnswer,
  LeaderboardAnswer,
  LevelsAnswer,
  StatsAnswer,
} from '../engine-api.schemas.ts';

/** A history row's label: the activity's or the transaction type's, in the reader's language. */
export type TypeLabel = (type: string, details: Record<string, unknown>) => string;

/** Everything the bot says, in one language (the engine words reasons, level names and notices). */
export interface BotTexts {
  welcome(firstName: string, commands: { admin: boolean; stars: boolean }): string;
  textAnswer(length: number): string;
  visionAnswer(): string;
  chartAnswer(symbol: string): string;
  points(balance: BalanceAnswer): string;
  buttons: { history: string; rating: string; howToEarn: string; back: string };
  history(history: HistoryAnswer, label: TypeLabel): string;
  rating(board: LeaderboardAnswer, self: string): string;
  howToEarn(rules: EarningRulesAnswer): string;
  stats(stats: StatsAnswer): string;
  levels(levels: LevelsAnswer, current: number | null): string;
  imageApplied(cost: number, balances: Record<string, number>): string;
  imageRejected(reasonText: string): string;
  stillWorking(): string;
  conflict(): string;
  unavailable(): string;
  notAdmin(): string;
  adminOff(): string;
  usage(command: 'grant' | 'deduct' | 'user'): string;
  analytics(analytics: AnalyticsAnswer): string;
  config(config: ConfigAnswer): string;
  adminUser(user: AdminUserAnswer, label: TypeLabel): string;
  userNotFound(userId: string): string;
  adjusted(kind: 'grant' | 'deduct', userId: string, answer: AdjustmentAnswer): string;
  engineRefused(message: string): string;
  buyMenu(products: readonly StarsProduct[]): string;
  productTitle(product: StarsProduct): string;
  productDescription(product: StarsProduct): string;
  unknownProduct(spec: string): string;
  paymentsOff(): string;
  checkoutRefused(): string;
  paymentReceived(): string;
  paymentRejected(message: string): string;
  refundReceived(): string;
}
