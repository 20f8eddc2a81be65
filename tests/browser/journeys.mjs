// Staff journeys through aduan's pages in a real Chromium (Debian's package,
// driven by playwright-core; never `playwright install`), once with
// JavaScript and once without, with axe-core on every page of the first pass.
// Run by tests/tests/pages.rs, which starts `aduan dev` and seeds the reports;
// it passes ADUAN_BASE_URL and ADUAN_SEED (JSON, one set of ids per pass).
// Exits 1 when any journey or accessibility check fails.

import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const base = process.env.ADUAN_BASE_URL;
const seed = JSON.parse(process.env.ADUAN_SEED);
const chromiumPath = process.env.ADUAN_CHROMIUM || '/usr/bin/chromium';

const failures = [];
const checkedPages = new Set();
// The page a journey last worked on, to describe a failure.
let lastPage = null;

async function describe(page) {
  if (!page || page.isClosed()) return '(no page)';
  const steps = await page.locator('details.action').evaluateAll((all) => all.map((d) => d.id)).catch(() => []);
  const errors = await page.locator('.error, .flash').allTextContents().catch(() => []);
  return `at ${page.url()}; steps offered: [${steps.join(', ')}]; messages: [${errors.join(' | ')}]`;
}

function fail(message) {
  throw new Error(message);
}

/** Runs axe-core on the page (JavaScript pass only): WCAG 2.2 A and AA, no violation allowed. */
async function accessible(page, pass) {
  if (!pass.javaScript) return;
  const path = new URL(page.url()).pathname;
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }),
  );
  checkedPages.add(path);
  if (result.violations.length > 0) {
    const found = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
    fail(`axe on ${path}: ${found.join(' | ')}`);
  }
}

/** A page as a user: each user in a browser context of their own. */
async function signedIn(browser, pass, username, password) {
  const context = await browser.newContext({
    javaScriptEnabled: pass.javaScript,
    bypassCSP: true, // only so axe-core can be injected; the pages themselves run no script
    locale: pass.locale,
    extraHTTPHeaders: { 'Accept-Language': pass.locale },
    viewport: pass.viewport,
  });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  lastPage = page;
  await page.goto(`${base}/sign-in`);
  await accessible(page, pass);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${base}/staff**`), page.click('main form button[type=submit]')]);
  await accessible(page, pass);
  return { context, page };
}

async function expectFlash(page, what) {
  const flash = page.locator('.flash.ok');
  if ((await flash.count()) === 0) {
    const error = await page.locator('.error, .flash.bad').allTextContents();
    fail(`${what}: no success message on ${page.url()} (errors: ${error.join(' ')})`);
  }
}

/** Every page is held to 50 KB (the stylesheet apart, which is cached). */
const PAGE_BUDGET_BYTES = 50 * 1024;

async function open(page, pass, path) {
  const response = await page.goto(`${base}${path}`);
  const bytes = (await response.body()).length;
  if (bytes > PAGE_BUDGET_BYTES) fail(`${path} weighs ${bytes} bytes, over the 50 KB budget`);
  await accessible(page, pass);
  return response;
}

async function verifierJourney(browser, pass, data) {
  const { context, page } = await signedIn(browser, pass, 'demo.verifier', 'verifier-demo-password');
  await open(page, pass, '/staff/verification?category=other');
  // The later of two alike reports offers the earlier as a duplicate: merge it in one step.
  const later = page.locator(`#report-${data.duplicate_later}`);
  const merge = later.locator(`form[action$="/merger"]:has(input[value="${data.duplicate_earlier}"]) button`);
  if ((await merge.count()) !== 1) fail('the earlier report is not offered as a duplicate of the later one');
  await Promise.all([page.waitForLoadState('load'), merge.click()]);
  await page.waitForURL(`${base}/staff/verification**`);
  await expectFlash(page, 'merging a duplicate');
  if ((await page.locator(`#report-${data.duplicate_later}`).count()) !== 0) fail('the merged report is still queued');
  await accessible(page, pass);
  // Another report: opened on its own page, assigned with a tier.
  await Promise.all([page.waitForURL(`${base}/staff/verification/${data.to_assign}`), page.click(`a[href="/staff/verification/${data.to_assign}"] >> nth=0`)]);
  await accessible(page, pass);
  const report = page.locator(`#report-${data.to_assign}`);
  await report.locator('details:has(form[action$="/assignment"]) summary').click();
  await report.locator('input[name=institution_id]').fill('bandung-dpu');
  await report.locator('select[name=tier]').selectOption('field_investigation');
  await Promise.all([page.waitForURL(`${base}/staff/verification**`), report.locator('form[action$="/assignment"] button').click()]);
  await expectFlash(page, 'assigning a report');
  if ((await page.locator(`#report-${data.to_assign}`).count()) !== 0) fail('the assigned report is still queued');
  await context.close();
}

async function caseJourney(browser, pass, data) {
  const casePath = `/staff/cases/${data.case_id}`;
  // The coordinator forwards the case to the roads unit.
  let { context, page } = await signedIn(browser, pass, 'demo.coordinator', 'coordinator-demo-password');
  await open(page, pass, casePath);
  await page.click('#step-forward summary');
  await page.selectOption('#unit-forward', 'bandung-dpu-roads');
  await page.fill('#text-forward', 'Please inspect the hole and patch it.');
  await Promise.all([page.waitForURL(`${base}${casePath}**`), page.click('#step-forward button[type=submit]')]);
  await expectFlash(page, 'forwarding to a unit');
  await accessible(page, pass);
  // An internal note for colleagues, which the citizen never reads.
  const note = `Coordinator's note (${pass.name}): the contractor's warranty covers this street.`;
  await page.fill('#note-text', note);
  await Promise.all([page.waitForURL(`${base}${casePath}**`), page.click('#notes button[type=submit]')]);
  await expectFlash(page, 'writing an internal note');
  if (!(await page.locator('#notes').textContent()).includes(note)) fail('the internal note is not on the case page');
  // A response template for the institution's officers.
  await open(page, pass, '/staff/institutions/bandung-dpu/templates');
  await page.fill('#template-title', `Pothole patched (${pass.name})`);
  await page.fill('#template-text', 'Our team patched the pothole; thank you for reporting it.');
  await Promise.all([page.waitForURL(`${base}/staff/institutions/bandung-dpu/templates**`), page.click('form[action$="/templates"] button')]);
  await expectFlash(page, 'adding a response template');
  await accessible(page, pass);
  // The inbox says how many working days are left.
  await open(page, pass, '/staff/institutions/bandung-dpu/inbox');
  const row = await page.locator(`tr:has(a[href="${casePath}"])`).textContent();
  if (!/working days|hari kerja|No running deadline|Tidak ada tenggat/.test(row)) fail(`the inbox row says no deadline: ${row}`);
  await context.close();

  // The unit's officer finds it among what was forwarded to the unit, and answers.
  ({ context, page } = await signedIn(browser, pass, data.unit_officer, data.unit_password));
  await open(page, pass, '/staff/institutions/bandung-dpu-roads/inbox?view=branches');
  await Promise.all([page.waitForURL(`${base}${casePath}**`), page.click(`a[href="${casePath}"]`)]);
  await accessible(page, pass);
  await page.click('#step-answer_branch summary');
  await page.fill('#text-answer_branch', 'Inspected: patched with cold asphalt this morning.');
  await Promise.all([page.waitForURL(`${base}${casePath}**`), page.click('#step-answer_branch button[type=submit]')]);
  await expectFlash(page, "the unit's answer");
  await context.close();

  // The agency's officer resolves; the institution wants a supervisor's approval first.
  ({ context, page } = await signedIn(browser, pass, 'demo.officer', 'officer-demo-password'));
  await open(page, pass, casePath);
  if ((await page.locator('#notes').textContent()).includes('warranty') === false) fail("the officer does not read the coordinator's note");
  // Starts from the institution's template, then says when.
  await page.click('#step-resolve summary');
  await page.selectOption('#template', { label: `Pothole patched (${pass.name})` });
  await Promise.all([page.waitForURL(`${base}${casePath}?template=**`), page.click('form[method=get]:has(#template) button')]);
  const started = await page.inputValue('#text-resolve');
  if (!started.startsWith('Our team patched the pothole')) fail(`the template did not fill the resolution: ${started}`);
  await accessible(page, pass);
  await page.fill('#text-resolve', `${started} It was patched on Monday.`);
  // Back to the case itself, without the template's query.
  await Promise.all([page.waitForURL(`${base}${casePath}`), page.click('#step-resolve form[method=post] button[type=submit]')]);
  await expectFlash(page, 'proposing a resolution');
  if ((await page.locator('#step-resolve').count()) !== 0) fail('resolve is still offered while a resolution waits');
  await context.close();

  // The supervisor finds it waiting and approves.
  ({ context, page } = await signedIn(browser, pass, 'demo.supervisor', 'supervisor-demo-password'));
  await open(page, pass, '/staff/institutions/pemkot-bandung/inbox?view=approvals');
  await Promise.all([page.waitForURL(`${base}${casePath}**`), page.click(`a[href="${casePath}"]`)]);
  await page.click('#step-review_resolution summary');
  await page.check('input[name=decision][value=approve]');
  await Promise.all([page.waitForURL(`${base}${casePath}**`), page.click('#step-review_resolution button[type=submit]')]);
  await expectFlash(page, 'approving the resolution');
  const status = await page.locator('.badge').first().textContent();
  if (!['Resolved', 'Diselesaikan'].includes(status.trim())) fail(`the case is ${status}, not resolved`);
  await accessible(page, pass);
  await context.close();
}

async function administratorJourney(browser, pass, data) {
  const { context, page } = await signedIn(browser, pass, 'demo.admin', 'administrator-demo-password');
  await open(page, pass, '/staff/administration');
  await page.fill('#holiday-date', data.holiday_date);
  await page.fill('#holiday-name', data.holiday_name);
  await Promise.all([page.waitForURL(`${base}/staff/administration**`), page.click('form[action$="/holiday"] button')]);
  await expectFlash(page, 'adding a holiday');
  const holidays = await page.locator('#holiday-heading ~ ul').textContent();
  if (!holidays.includes(data.holiday_name)) fail(`the new holiday is not listed: ${holidays}`);
  await page.selectOption('#rule-category', data.rule_category);
  await page.fill('#rule-region', data.rule_region);
  await page.fill('#rule-institution', 'pemkot-bogor');
  await Promise.all([page.waitForURL(`${base}/staff/administration**`), page.click('form[action$="/rule"] button')]);
  await expectFlash(page, 'adding a rule');
  await page.selectOption('#test-category', data.rule_category);
  await page.fill('#test-region', data.rule_region);
  await Promise.all([page.waitForURL(`${base}/staff/administration?**`), page.click('form[method=get] button')]);
  const answer = await page.locator('#route-answer').textContent();
  if (!answer.includes('pemkot-bogor') || !answer.includes(data.rule_region)) fail(`the tester says: ${answer}`);
  await accessible(page, pass);
  // A new colleague: created as an officer, given a second role, then disabled.
  const colleague = `journey.${pass.javaScript ? 'js' : 'plain'}`;
  await page.fill('#user-username', colleague);
  await page.fill('#user-name', `Journey colleague (${pass.name})`);
  await page.selectOption('#user-role', 'officer');
  await page.fill('#user-institution', 'bandung-dpu');
  await page.fill('#user-password', 'journey-colleague-password-1');
  await Promise.all([page.waitForURL(`${base}/staff/administration**`), page.click('form[action$="/user"] button')]);
  await expectFlash(page, 'creating a user');
  const row = page.locator(`tr[data-username="${colleague}"]`);
  await row.locator('input[name=grants]').fill('officer@bandung-dpu, supervisor@pemkot-bandung');
  await Promise.all([page.waitForURL(`${base}/staff/administration**`), row.locator('form[action$="/grants"] button').click()]);
  await expectFlash(page, "changing a user's roles");
  if (!/supervisor@pemkot-bandung/.test(await row.locator('input[name=grants]').inputValue())) fail('the new role is not kept');
  await Promise.all([page.waitForURL(`${base}/staff/administration**`), row.locator('form[action$="/status"] button').click()]);
  await expectFlash(page, 'disabling a user');
  if (!/Disabled|Nonaktif/i.test(await row.textContent())) fail(`the user is not shown disabled: ${await row.textContent()}`);
  await accessible(page, pass);
  // The tree: down to the city government, where a new unit is added.
  await open(page, pass, '/staff/administration/registry?institution=pemkot-bandung');
  const unitId = `bandung-test-unit-${pass.javaScript ? 'js' : 'plain'}`;
  await page.fill('#institution-id', unitId);
  await page.fill('#institution-name', `Test unit (${pass.name})`);
  await page.selectOption('#institution-level', 'unit');
  await Promise.all([page.waitForURL(`${base}/staff/administration/registry**`), page.click('form[action$="/registry/institution"] button')]);
  await expectFlash(page, 'adding a unit to the tree');
  if ((await page.locator(`#children a[href$="institution=${unitId}"]`).count()) !== 1) fail('the new unit is not listed under its parent');
  await accessible(page, pass);
  // An API token for a partner's system: shown once, then listed, then revoked.
  await open(page, pass, '/staff/account');
  await Promise.all([page.waitForURL(`${base}/staff/api-tokens`), page.click('a[href="/staff/api-tokens"]')]);
  const partner = `Partner app (${pass.name})`;
  await page.fill('#token-name', partner);
  await page.fill('#token-institution', 'pemkot-bandung');
  await page.selectOption('#token-role', 'auditor');
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/staff/api-tokens"] button')]);
  const token = (await page.locator('#issued-token').textContent()) ?? '';
  if (token.trim().length < 20) fail(`no token shown once: ${token}`);
  await accessible(page, pass);
  await page.goto(`${base}/staff/api-tokens`);
  if ((await page.locator('#issued-token').count()) !== 0) fail('the token is shown a second time');
  const revoke = page.locator(`tr:has(td:text-is("${partner}")) button`);
  if ((await revoke.count()) !== 1) fail('the new token is not listed with a revoke button');
  await Promise.all([page.waitForURL(`${base}/staff/api-tokens`), revoke.click()]);
  await expectFlash(page, 'revoking an API token');
  await context.close();
}

async function scopeJourney(browser, pass) {
  // An officer of the roads agency: not a verifier, not an administrator, not Jakarta's.
  const { context, page } = await signedIn(browser, pass, 'demo.officer', 'officer-demo-password');
  for (const path of ['/staff/verification', '/staff/administration', '/staff/administration/registry', '/staff/api-tokens', '/staff/audit', '/staff/institutions/dki-bina-marga/inbox']) {
    const response = await open(page, pass, path);
    if (response.status() !== 403) fail(`${path} answered ${response.status()} to an officer of bandung-dpu`);
  }
  await open(page, pass, '/staff');
  const nav = await page.locator('header nav').textContent();
  if (/verifi|administra/i.test(nav)) fail(`the officer's navigation offers what is not theirs: ${nav}`);
  await context.close();
  // Nobody signed in goes to sign in first, and comes back.
  const anonymous = await browser.newContext({ javaScriptEnabled: pass.javaScript });
  const stranger = await anonymous.newPage();
  await stranger.goto(`${base}/staff/institutions/bandung-dpu/inbox`);
  if (!stranger.url().startsWith(`${base}/sign-in?next=`)) fail(`an anonymous visitor reached ${stranger.url()}`);
  await anonymous.close();
}

async function auditorJourney(browser, pass) {
  const { context, page } = await signedIn(browser, pass, 'demo.auditor', 'auditor-demo-password');
  await Promise.all([page.waitForURL(`${base}/staff/audit**`), page.click('main a[href="/staff/audit"]')]);
  await accessible(page, pass);
  if ((await page.locator('figure.chart svg[role=img] title').count()) < 2) fail('the figures page draws no charts');
  if ((await page.locator('#case-figures tbody tr').count()) < 10) fail('the country\'s case figures are missing');
  if ((await page.locator('#levels tbody tr').count()) < 1) fail('no level of the tree is listed');
  const city = page.locator('#ranking a[href^="/staff/audit/institutions/bandung-dpu?"]');
  if ((await city.count()) !== 1) fail('the roads agency is not in the ranking');
  const csv = await page.request.get(`${base}/staff/audit?format=csv`);
  if (!csv.headers()['content-type'].startsWith('text/csv') || !(await csv.text()).startsWith('period,rank,institution_id')) {
    fail('the ranking does not download as CSV');
  }
  await Promise.all([page.waitForURL(`${base}/staff/audit/institutions/bandung-dpu**`), city.click()]);
  await accessible(page, pass);
  if ((await page.locator('#case-figures tbody tr').count()) < 10) fail('the institution\'s figures are missing');
  if ((await page.locator('#backlog tbody tr').count()) !== 5) fail('the backlog is not by age');
  // A sampled review: drawn, one case scored and its findings written.
  await Promise.all([page.waitForURL(`${base}/staff/audit/samples/**`), page.click('form[action$="/samples"] button')]);
  await accessible(page, pass);
  const form = page.locator('form[action$="/reviews"]').first();
  if ((await form.count()) !== 1) fail('the sample offers no case to review');
  const yes = form.locator('input[type=radio][value="2"]');
  for (let i = 0; i < (await yes.count()); i++) await yes.nth(i).check();
  await form.locator('textarea').fill('The answer says what was patched and when.');
  await Promise.all([page.waitForURL(`${base}/staff/audit/samples/**`), form.locator('button[type=submit]').click()]);
  await expectFlash(page, 'saving a review');
  if ((await page.locator('.findings').count()) < 1) fail('the review\'s findings are not shown');
  await accessible(page, pass);
  const refused = await page.goto(`${base}/staff/audit?period=2026-Q5`);
  if (refused.status() !== 422) fail(`a period that is not one answered ${refused.status()}`);
  await context.close();
  // The open data, for anyone, with its files.
  const anonymous = await browser.newContext({ javaScriptEnabled: pass.javaScript, bypassCSP: true, locale: pass.locale, viewport: pass.viewport });
  const visitor = await anonymous.newPage();
  lastPage = visitor;
  await open(visitor, pass, '/open-data');
  if ((await visitor.locator('#open-data tbody tr').count()) < 1) fail('the open data lists no institution');
  const file = await visitor.request.get(`${base}/open-data?format=csv`);
  if (!(await file.text()).startsWith('period,scope,id,suppressed')) fail('the open data does not download as CSV');
  await anonymous.close();
}

/** A member of staff's side of a citizen's journey, over the JSON API. */
async function staffMember(username, password) {
  const signIn = await fetch(`${base}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const { access_token: token } = await signIn.json();
  const call = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    if (!response.ok) fail(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const caseOf = async (code) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const inbox = await call('GET', '/api/v1/institutions/bandung-dpu/inbox?limit=200');
      const found = inbox.items.find((item) => item.tracking_code === code);
      if (found) return found.id;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    fail(`${code} never reached the roads agency's inbox`);
  };
  return { call, caseOf };
}

/** A 1×1 JPEG whose EXIF block names a camera and a place: what is kept must not. */
const photoWithExif = Buffer.from(
  '/9j/4QAvRXhpZgAAQ2FtZXJhU2VyaWFsIDEyMzQ1IEdQUyAtNi45MTc1IDEwNy42MTkx/9sAQwAIBgYHBgUIBwcHCQkICgwUDQwLCwwZEhMPFB0aHx4dGhwcICQuJyAiLCMcHCg3KSwwMTQ0NB8nOT04MjwuMzQy/8AACwgAAQABAQERAP/EABQAAQAAAAAAAAAAAAAAAAAAAAD/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/9oACAEBAAA/AD//2Q==',
  'base64',
);

async function citizenJourney(browser, pass) {
  const context = await browser.newContext({
    javaScriptEnabled: pass.javaScript,
    bypassCSP: true,
    locale: pass.locale,
    extraHTTPHeaders: { 'Accept-Language': pass.locale },
    viewport: pass.viewport,
  });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  lastPage = page;
  await open(page, pass, '/');
  await Promise.all([page.waitForURL(`${base}/file`), page.click('main a[href="/file"]')]);
  await accessible(page, pass);
  await page.check('input[name=kind][value=complaint]');
  await page.selectOption('#category', 'roads');
  await page.selectOption('#region', '32.73');
  await page.fill('#title', `Broken pavement on Jalan Asia Afrika (${pass.locale})`);
  await page.fill('#description', 'The pavement in front of the museum is broken and people trip over it at night.');
  await page.check('input[name=privacy][value=anonymous]');
  await page.fill('#name', 'Dewi Lestari');
  await page.fill('#email', 'dewi.lestari@example.id');
  await page.fill('#address', 'In front of the Museum Konperensi Asia Afrika');
  await page.fill('#latitude', '-6.9211');
  await page.fill('#longitude', '107.6094');
  await page.setInputFiles('#photo', { name: 'pavement.jpg', mimeType: 'image/jpeg', buffer: photoWithExif });
  await Promise.all([page.waitForLoadState('load'), page.click('main form button[type=submit]')]);
  const code = (await page.locator('#tracking-code').textContent()).trim();
  const secret = (await page.locator('#secret').textContent()).trim();
  if (!/^ADU-/.test(code) || secret.length < 16) fail(`no code and secret on ${page.url()}`);
  await accessible(page, pass);
  if ((await page.locator('#photo-error').count()) !== 0) fail(`the photo was refused: ${await page.locator('#photo-error').textContent()}`);

  // The photo is on the tracking page, without its EXIF block.
  await page.goto(`${base}/track/${code}`);
  const photo = page.locator('#photos img');
  if ((await photo.count()) !== 1) fail(`the tracking page shows ${await photo.count()} photos, not 1`);
  const served = await (await page.request.get(`${base}${await photo.getAttribute('src')}`)).body();
  if (served[0] !== 0xff || served[1] !== 0xd8 || served.includes('CameraSerial')) fail('the photo is served with its EXIF block');

  // The institution asks a question; the citizen answers it from the tracking page.
  const staff = await staffMember('demo.officer', 'officer-demo-password');
  const caseId = await staff.caseOf(code);
  await staff.call('POST', `/api/v1/cases/${caseId}/questions`, { text: 'Which side of the street is it on?' });
  for (let attempt = 0; attempt < 50 && (await page.locator('#step-replies').count()) === 0; attempt++) {
    await page.goto(`${base}/track/${code}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await accessible(page, pass);
  if ((await page.locator('#deadlines li').count()) === 0) fail('the tracking page shows no deadline');
  await page.click('#step-replies summary');
  await page.fill('#text-replies', 'The north side, in front of the museum entrance.');
  await Promise.all([page.waitForURL(`${base}/track/${code}**`), page.click('#step-replies button[type=submit]')]);
  await expectFlash(page, "the citizen's answer");

  // Resolved: the citizen accepts with a rating and "was it fixed?", from another browser, with the code and secret.
  await staff.call('POST', `/api/v1/cases/${caseId}/resolution`, { text: 'The pavement was relaid on Tuesday.' });
  // The roads agency's resolutions wait for the city's supervisor (see pages.rs).
  const supervisor = await staffMember('demo.supervisor', 'supervisor-demo-password');
  await supervisor.call('POST', `/api/v1/cases/${caseId}/resolution/review`, { approve: true });
  const elsewhere = await browser.newContext({ javaScriptEnabled: pass.javaScript, locale: pass.locale, extraHTTPHeaders: { 'Accept-Language': pass.locale } });
  elsewhere.setDefaultTimeout(15000);
  const later = await elsewhere.newPage();
  lastPage = later;
  await later.goto(`${base}/track`);
  await later.fill('#code', code);
  await later.fill('#secret', secret);
  await Promise.all([later.waitForURL(`${base}/track/${code}`), later.click('main form button[type=submit]')]);
  for (let attempt = 0; attempt < 50 && (await later.locator('#step-acceptance').count()) === 0; attempt++) {
    await later.goto(`${base}/track/${code}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await later.click('#step-acceptance summary');
  await later.selectOption('#rating', '4');
  await later.check('input[name=fixed][value=partly]');
  await Promise.all([later.waitForURL(`${base}/track/${code}**`), later.click('#step-acceptance button[type=submit]')]);
  await expectFlash(later, 'accepting the answer');
  const timeline = await later.locator('.timeline').textContent();
  if (!timeline.includes('The pavement was relaid on Tuesday.')) fail(`the resolution is not on the tracking page: ${timeline}`);
  const everything = await later.content();
  if (everything.includes('Dewi') || everything.includes('dewi.lestari')) fail('the tracking page shows who filed');
  await elsewhere.close();

  // Anonymous, so on the public record: found by its words, without who filed it.
  await open(page, pass, `/reports?q=${encodeURIComponent('Asia Afrika')}`);
  const published = page.locator(`#public-reports a[href="/reports/${code}"]`);
  if ((await published.count()) !== 1) fail(`${code} is not on the public record`);
  await Promise.all([page.waitForURL(`${base}/reports/${code}`), published.click()]);
  await accessible(page, pass);
  const record = await page.content();
  if (!record.includes('people trip over it at night')) fail('the published report lacks its text');
  if ((await page.locator('#point').textContent()).trim() !== '-6.9211, 107.6094') fail('the published report lacks its map point');
  if (record.includes('Dewi') || record.includes('dewi.lestari')) fail('the public record shows who filed');

  // The verifier takes words out of what the public reads, from the case page.
  const verifier = await signedIn(browser, pass, 'demo.verifier', 'verifier-demo-password');
  lastPage = verifier.page;
  await open(verifier.page, pass, `/staff/cases/${caseId}`);
  await verifier.page.fill('#public-description', 'The pavement in front of the museum is broken.');
  await verifier.page.fill('#publication-reason', 'Only what everyone may read');
  await Promise.all([
    verifier.page.waitForURL(`${base}/staff/cases/${caseId}**`),
    verifier.page.click('#publication button[type=submit]'),
  ]);
  await expectFlash(verifier.page, 'changing the public record');
  await accessible(verifier.page, pass);
  await verifier.context.close();
  await page.goto(`${base}/reports/${code}`);
  const redacted = await page.locator('#description').textContent();
  if (redacted.includes('people trip over it') || !redacted.includes('The pavement in front of the museum is broken.')) {
    fail(`the public record shows ${redacted}, not the verifier's text`);
  }
  await context.close();
}

async function languageJourney(browser, pass) {
  const context = await browser.newContext({ javaScriptEnabled: pass.javaScript, locale: pass.locale, extraHTTPHeaders: { 'Accept-Language': pass.locale } });
  const page = await context.newPage();
  await page.goto(`${base}/sign-in`);
  const expected = pass.locale.startsWith('en') ? 'Sign in to aduan' : 'Masuk ke aduan';
  if ((await page.locator('h1').textContent()).trim() !== expected) fail(`the sign-in page is not in ${pass.locale}`);
  // The switch changes it, and the choice is remembered.
  const other = pass.locale.startsWith('en') ? 'id' : 'en';
  await Promise.all([page.waitForURL(`${base}/sign-in`), page.click(`form.lang button[value=${other}]`)]);
  const switched = other === 'en' ? 'Sign in to aduan' : 'Masuk ke aduan';
  if ((await page.locator('h1').textContent()).trim() !== switched) fail('the language switch did not switch');
  if ((await page.locator('html').getAttribute('lang')) !== other) fail('the page does not say its language');
  await context.close();
}

const passes = [
  { name: 'with JavaScript, in Indonesian', javaScript: true, locale: 'id-ID', viewport: { width: 1280, height: 900 }, data: seed.scripted },
  { name: 'without JavaScript, in English, on a 360 px screen', javaScript: false, locale: 'en-US', viewport: { width: 360, height: 740 }, data: seed.plain },
];

// Flags for a machine with no way out: no background fetches, no updates.
const flags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const browser = await chromium.launch({ executablePath: chromiumPath, args: flags });
try {
  for (const pass of passes) {
    for (const [name, journey] of [
      ['a verifier merges a duplicate and assigns a report', verifierJourney],
      ['a case is forwarded, answered, resolved and approved', caseJourney],
      ['an administrator adds a holiday and a rule, and the tester shows the route', administratorJourney],
      ['nobody sees a page outside their scope', scopeJourney],
      ['pages come in the language asked for', languageJourney],
      ['a citizen files, answers a question, accepts the answer, finds it published, and a verifier redacts it', citizenJourney],
      ['an auditor reads the figures and an institution, reviews a sample, and anyone reads the open data', auditorJourney],
    ]) {
      try {
        await journey(browser, pass, pass.data);
        console.log(`ok   ${pass.name}: ${name}`);
      } catch (error) {
        const where = await describe(lastPage);
        failures.push(`${pass.name}: ${name}: ${error.message}`);
        console.log(`FAIL ${pass.name}: ${name}\n     ${error.message}\n     ${where}`);
      }
    }
  }
} finally {
  await browser.close();
}
console.log(`axe-core checked ${checkedPages.size} pages: ${[...checkedPages].sort().join(' ')}`);
if (failures.length > 0) {
  console.log(`${failures.length} failed`);
  process.exit(1);
}
