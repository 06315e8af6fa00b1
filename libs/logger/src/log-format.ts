/** `LOG_FORMAT`: `auto` (the default) is pretty on a terminal and JSON lines otherwise. */
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormatSetting = (typeof LOG_FORMATS)[number];
export type LogFormat = Exclude<LogFormatSetting, 'auto'>;

/**
 * The format a process writes: what LOG_FORMAT forces, or on `auto` human lines when stdout is a
 * terminal (someone is reading) and JSON lines when it is a pipe or a file (a collector is).
 */
export function resolveLogFormat(setting: LogFormatSetting, stdoutIsTTY: boolean): LogFormat {
  if (setting !== 'auto') return setting;
  return stdoutIsTTY ? 'pretty' : 'json';
}
