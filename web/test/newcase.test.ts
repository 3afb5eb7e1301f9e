// The new-case dialog's own checks (src/components/newCaseCheck.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNewCase, plausibleEmail, type NewCaseInput } from '../src/components/newCaseCheck.js';

const full: NewCaseInput = {
  project: 1,
  subject: 'Zählerstand',
  existingContact: false,
  contactName: 'Erika Mustermann',
  contactEmail: 'erika@example.org',
  contactPhone: '',
  body: 'Mein Zählerstand ist falsch.',
};

test('a complete case passes', () => {
  assert.deepEqual(checkNewCase(full), {});
  assert.deepEqual(checkNewCase({ ...full, contactEmail: '', contactPhone: '+49 40 123' }), {}, 'a phone number is enough');
});

test('an empty dialog names every missing field', () => {
  const empty: NewCaseInput = { project: null, subject: ' ', existingContact: false, contactName: '', contactEmail: '', contactPhone: '', body: '  ' };
  assert.deepEqual(checkNewCase(empty), {
    project: 'newCase.required.project',
    subject: 'newCase.required.subject',
    contact: 'newCase.required.contact',
    name: 'newCase.required.name',
    body: 'newCase.required.body',
  });
});

test('a new contact needs a name and a way to reach them', () => {
  assert.deepEqual(checkNewCase({ ...full, contactName: '' }), { name: 'newCase.required.name' });
  assert.deepEqual(checkNewCase({ ...full, contactEmail: '' }), { contact: 'newCase.required.contact' });
});

test('a contact the lookup found needs nothing more', () => {
  assert.deepEqual(checkNewCase({ ...full, existingContact: true, contactName: '' }), {});
});

test('a message is required', () => {
  assert.deepEqual(checkNewCase({ ...full, body: '\n' }), { body: 'newCase.required.body' });
});

test('e-mail addresses are checked as the server does', () => {
  assert.deepEqual(checkNewCase({ ...full, contactEmail: 'erika@example' }), { email: 'newCase.invalid.email' });
  for (const bad of ['anna', 'anna@', '@example.com', 'a b@example.com', 'a@@example.com', 'a@example.com,b@example.com', 'a@example.']) assert.equal(plausibleEmail(bad), false, bad);
  assert.equal(plausibleEmail(' Anna@Example.COM '), true);
});
