import { sendAsDevice } from '../shared/device-client.ts';
import type { ProgressReporter } from '../shared/progress.ts';
import type { RunLedger, SentRecord, WaveName } from './run-ledger.ts';

/**
 * `--retry`: after a wave, every record that got no answer or a 5xx is sent
 * again as a device would (backoff, until 202/4xx), so the run ends with the
 * answers devices end with. A record answered 202 on a retry that took over
 * an abandoned claim may be stored under the first attempt's id (the
 * consumer keeps the first copy): verification then lists it as missing.
 */
export async function retryUnsettled(url: string, keyOf: (schoolId: string) => string | undefined, ledger: RunLedger, wave: WaveName, connections: number, reporter: ProgressReporter): Promise<number> {
  const unsettled = ledger.wave(wave).filter((record) => record.kind !== 'invalid' && (record.status === undefined || record.status >= 500));
  if (unsettled.length === 0) return 0;
  const progress = reporter.progress(`${wave} retries`, unsettled.length, 'records');
  const queue = [...unsettled];
  let settled = 0;
  const retryOne = async (record: SentRecord): Promise<void> => {
    const body = { type: record.type, userId: record.userId, schoolId: record.schoolId, timestamp: record.timestamp, temperature: record.temperature };
    const key = keyOf(record.schoolId);
    const answer = await sendAsDevice('/attendances', body, { baseUrl: () => url, giveUpAfterMs: 120_000, ...(key ? { key } : {}) });
    if (answer.code === 'gave-up') return;
    ledger.answer(record, answer.status, answer.status === 202 ? { ...(answer.id === undefined ? {} : { id: answer.id }) } : { error: answer.code });
    settled += 1;
    progress.update(settled);
  };
  await Promise.all(
    Array.from({ length: Math.min(connections, queue.length) }, async () => {
      for (let record = queue.shift(); record; record = queue.shift()) await retryOne(record);
    }),
  );
  progress.stop();
  return unsettled.length;
}
