import { ApiError, getJson, postJson, type HistoryEntry, type StudentDay } from './api.ts';
import { announce, el, formatTime, timeInputValue } from './dom.ts';
import { STATUS_LABELS } from './roster-view.ts';

const REASONS = [
  ['sick', 'Sick'],
  ['appointment', 'Appointment'],
  ['family', 'Family'],
  ['other', 'Other'],
] as const;

/** After an action is accepted, its effect is stored by the consumer within a second or two: read the day again until it shows. */
const SETTLE_TIMEOUT_MS = 5_000;

const ACTIONS: Record<string, string> = { checkin: 'Check-in', checkout: 'Check-out', excuse: 'Absence excused', undo: 'Correction undone' };

function describe(entry: HistoryEntry): string {
  const action = ACTIONS[entry.action] ?? entry.action;
  const what = entry.kind === 'device' ? `${action} at the gate` : `${action} by the office (${entry.by ? `${entry.by.role} token ${entry.by.id}` : 'staff'}, at ${formatTime(entry.recordedAt)})`;
  return [what, entry.reason ? `reason: ${entry.reason}` : '', entry.note ? `“${entry.note}”` : ''].filter(Boolean).join(' · ');
}

function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.unavailable ? 'The service is unavailable; nothing was changed. Try again.' : `${err.message} (${err.code})`;
  return String(err);
}

/**
 * One student's day in a modal dialog (native `<dialog>`: focus stays in it,
 * Escape closes it): status, device records and corrections (who, when,
 * why), and the office's actions. Each action's answer is shown in the
 * dialog; `onChanged` lets the page refresh the roster at once.
 */
export class StudentDialog {
  private readonly dialog = el('dialog', { class: 'student', 'aria-labelledby': 'student-title' });
  private readonly body = el('div', { class: 'student-body' });
  private readonly result = el('p', { class: 'result', role: 'status', 'aria-live': 'polite' });
  private current: { userId: string; name: string } | undefined;

  constructor(
    private readonly schoolId: string,
    private readonly day: () => string,
    private readonly onChanged: () => void,
  ) {
    const close = el('button', { type: 'button', class: 'close', 'aria-label': 'Close' }, '×');
    close.addEventListener('click', () => this.dialog.close());
    this.dialog.append(close, this.body, this.result);
    this.dialog.addEventListener('close', () => (this.current = undefined));
    document.body.append(this.dialog);
  }

  private path(userId: string): string {
    return `/schools/${encodeURIComponent(this.schoolId)}/students/${encodeURIComponent(userId)}/days/${this.day()}`;
  }

  async open(userId: string, name: string): Promise<void> {
    this.current = { userId, name };
    this.result.textContent = '';
    this.body.replaceChildren(el('h2', { id: 'student-title' }, name), el('p', { class: 'state' }, 'Loading…'));
    if (!this.dialog.open) this.dialog.showModal();
    await this.load(userId, name);
  }

  private async load(userId: string, name: string): Promise<StudentDay | undefined> {
    try {
      const day = await getJson<StudentDay>(this.path(userId));
      if (this.current?.userId === userId) this.render(day);
      return day;
    } catch (err) {
      if (this.current?.userId !== userId) return undefined;
      this.body.replaceChildren(
        el('h2', { id: 'student-title' }, name),
        el('p', { class: 'state error' }, err instanceof ApiError && err.code === 'student-not-found' ? 'This student is not on the school’s roster.' : `The day could not be read: ${errorText(err)}`),
      );
      return undefined;
    }
  }

  private render(day: StudentDay): void {
    const facts = el(
      'dl',
      { class: 'facts' },
      el('dt', {}, 'Status'),
      el('dd', {}, el('span', { class: `badge status-${day.status}`, id: 'student-status' }, STATUS_LABELS[day.status] ?? day.status)),
      el('dt', {}, 'Check-in'),
      el('dd', {}, day.checkIn ? `${formatTime(day.checkIn.at)}${day.checkIn.temperature ? ` · ${day.checkIn.temperature} °C` : ''}${day.checkIn.lateMinutes ? ` · ${day.checkIn.lateMinutes} min late` : ''}${day.checkIn.source === 'correction' ? ' · added by the office' : ''}` : '—'),
      el('dt', {}, 'Check-out'),
      el('dd', {}, day.checkOut ? `${formatTime(day.checkOut.at)}${day.checkOut.source === 'correction' ? ' · added by the office' : ''}` : '—'),
      day.excused ? el('dt', {}, 'Excused') : null,
      day.excused ? el('dd', {}, [day.excused.reason, day.excused.note].filter(Boolean).join(' · ')) : null,
    );
    const history = el('ol', { class: 'history' });
    for (const entry of day.history) {
      const item = el('li', { class: entry.undone ? 'undone' : '' }, el('time', { datetime: entry.recordedAt }, formatTime(entry.at ?? entry.recordedAt)), ' ', describe(entry), entry.undone ? el('span', { class: 'muted' }, ' (undone)') : null);
      if (entry.kind === 'correction' && !entry.undone && entry.action !== 'undo') {
        const undo = el('button', { type: 'button', class: 'small' }, 'Undo');
        undo.addEventListener('click', () => void this.act(day, { action: 'undo', correctionId: entry.id }, 'Undo'));
        item.append(' ', undo);
      }
      history.append(item);
    }
    if (day.history.length === 0) history.append(el('li', { class: 'muted' }, 'No record today.'));
    this.body.replaceChildren(
      el('h2', { id: 'student-title' }, day.name || day.userId, ' ', el('span', { class: 'muted mono' }, day.userId)),
      facts,
      el('h3', {}, 'Today'),
      history,
      el('h3', {}, 'Office actions'),
      ...this.forms(day),
    );
  }

  private forms(day: StudentDay): HTMLElement[] {
    const forms: HTMLElement[] = [];
    if (!day.checkIn && !day.excused) {
      const reason = el('select', { id: 'excuse-reason', name: 'reason', required: true }, ...REASONS.map(([value, label]) => el('option', { value }, label)));
      const note = el('textarea', { id: 'excuse-note', name: 'note', maxlength: 500, rows: 2 });
      const form = el('form', { class: 'action', 'aria-label': 'Excuse absence' }, el('label', { for: 'excuse-reason' }, 'Reason'), reason, el('label', { for: 'excuse-note' }, 'Note (optional)'), note, el('button', { type: 'submit', class: 'primary' }, 'Excuse absence'));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void this.act(day, { action: 'excuse', reason: reason.value, ...(note.value.trim() ? { note: note.value.trim() } : {}) }, 'Excuse');
      });
      forms.push(form);
    }
    for (const action of ['checkin', 'checkout'] as const) {
      const existing = action === 'checkin' ? day.checkIn : day.checkOut;
      if (action === 'checkout' && !day.checkIn) continue;
      const id = `${action}-time`;
      const time = el('input', { type: 'time', id, name: 'time', required: true, value: timeInputValue(existing ? existing.at : Date.now()) });
      const label = action === 'checkin' ? (existing ? 'Correct check-in time' : 'Add missed check-in') : existing ? 'Correct check-out time' : 'Add missed check-out';
      const form = el('form', { class: 'action', 'aria-label': label }, el('label', { for: id }, `${action === 'checkin' ? 'Check-in' : 'Check-out'} time`), time, el('button', { type: 'submit' }, label));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        // The time is the office's local time on the roster's day.
        const at = new Date(`${day.day}T${time.value}`).toISOString();
        void this.act(day, { action, at }, label);
      });
      forms.push(form);
    }
    return forms;
  }

  private async act(before: StudentDay, body: Record<string, unknown>, label: string): Promise<void> {
    const buttons = [...this.dialog.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    this.result.dataset.tone = '';
    this.result.textContent = `${label}: sending…`;
    try {
      await postJson(`${this.path(before.userId)}/corrections`, body);
      this.result.textContent = `${label}: accepted, updating…`;
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      let after: StudentDay | undefined;
      do {
        await new Promise((resolve) => setTimeout(resolve, 300));
        after = await this.load(before.userId, before.name);
      } while (after && after.history.length === before.history.length && after.status === before.status && Date.now() < deadline);
      const shown = after !== undefined && (after.history.length !== before.history.length || after.status !== before.status);
      // Accepted means durable in Kafka: if it is not stored yet, it will be; say so rather than "done".
      this.result.textContent = shown ? `${label}: done.` : `${label}: accepted, it will show in a moment.`;
      this.result.dataset.tone = 'ok';
      announce(`${label} for ${before.name}: ${shown ? 'done' : 'accepted'}.`);
      this.onChanged();
    } catch (err) {
      this.result.textContent = `${label} refused: ${errorText(err)}`;
      this.result.dataset.tone = 'error';
      for (const button of buttons) button.disabled = false;
    }
  }
}
