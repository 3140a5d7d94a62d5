import * as fs from 'fs';
import * as path from 'path';

/** The newest message the SMTP server received for `to`, decoded enough to read links. */
export function lastMailTo(to: string): string | undefined {
  const dir = process.env.E2E_MAIL_DIR;
  if (!dir || !fs.existsSync(path.join(dir, 'index.jsonl'))) return undefined;
  const entries = fs.readFileSync(path.join(dir, 'index.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const hit = entries.reverse().find((e: any) => e.rcpt_tos.includes(to));
  if (!hit) return undefined;
  // Undo quoted-printable soft breaks and =XX escapes.
  return fs.readFileSync(path.join(dir, hit.file), 'utf8')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/** Every message the SMTP server received for `to`, oldest first, decoded as `lastMailTo` does. */
export function mailsTo(to: string): string[] {
  const dir = process.env.E2E_MAIL_DIR;
  if (!dir || !fs.existsSync(path.join(dir, 'index.jsonl'))) return [];
  return fs.readFileSync(path.join(dir, 'index.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l))
    .filter((e: any) => e.rcpt_tos.includes(to))
    .map((e: any) => fs.readFileSync(path.join(dir, e.file), 'utf8')
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_: string, h: string) => String.fromCharCode(parseInt(h, 16))));
}
