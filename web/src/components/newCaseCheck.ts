// What the new-case dialog requires before it sends anything: a project, a
// subject, a contact (one the lookup found, or a new one with a name and an
// e-mail address or phone number) and the first message's text. The server
// keeps accepting cases without contact or message from the API (mail
// ingestion, forms and integrations create cases their own way); an agent
// creating one by hand must say who asked and what.
// Pure (no DOM), so node's test runner checks it (test/newcase.test.ts).

export interface NewCaseInput {
  project: number | null;
  subject: string;
  /** A contact the lookup found for the e-mail address or phone number. */
  existingContact: boolean;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  body: string;
}

export type NewCaseField = 'project' | 'subject' | 'contact' | 'name' | 'email' | 'body';

/** The message key of each problem, by field (empty: nothing to fix). */
export type NewCaseProblems = Partial<Record<NewCaseField, `newCase.${string}`>>;

/** Plausible, as the server's check: one @, a dot in the domain, no spaces. */
export function plausibleEmail(v: string): boolean {
  return /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/.test(v.trim()) && !v.trim().endsWith('.');
}

export function checkNewCase(input: NewCaseInput): NewCaseProblems {
  const out: NewCaseProblems = {};
  if (!input.project) out.project = 'newCase.required.project';
  if (!input.subject.trim()) out.subject = 'newCase.required.subject';
  const email = input.contactEmail.trim();
  const phone = input.contactPhone.trim();
  if (email && !plausibleEmail(email)) out.email = 'newCase.invalid.email';
  if (!input.existingContact) {
    if (!email && !phone) out.contact = 'newCase.required.contact';
    if (!input.contactName.trim()) out.name = 'newCase.required.name';
  }
  if (!input.body.trim()) out.body = 'newCase.required.body';
  return out;
}
