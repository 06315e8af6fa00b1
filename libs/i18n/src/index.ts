export { LANGS, plural, type Lang, type Localized } from './lang.ts';
export { reasonText, OUTCOME_REASONS, type OutcomeReason } from './reasons.texts.ts';
export { levelName, activityLabel, assetLabel } from './program.texts.ts';
export { noticeText, NOTICE_TYPES, type NoticePayload } from './notices.texts.ts';
export { kindLabel, type TransactionType } from './kinds.texts.ts';
