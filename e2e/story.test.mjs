// End-to-end: the seed's story in a real browser (headless Chromium), plus rating,
// security, validation and the English pages. One server with the demo data for the file.
//
//   cd e2e && node --test --test-concurrency=1
//
// The binary comes from $BANGBANG_BIN or ../target/debug/bangbang.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  fillAsk, fullPhones, launchBrowser, newContext, openFromBoard, residentAsks, screenshot,
  shanghaiToday, shortCode, signIn, startServer, submitRequestForm, text, withoutHex,
} from './helpers.mjs';

let server;
let browser;
let base;

before(async () => {
  server = await startServer();
  base = server.base;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Runs `fn` with a fresh page in its own context, closing it afterwards. */
async function withPage(kind, fn) {
  const context = await newContext(browser, base, kind);
  try {
    return await fn(await context.newPage(), context);
  } finally {
    await context.close();
  }
}

const status = (page) => text(page.locator('[data-testid=status]').first());

/** The seed's story: 张大爷's sewer at 5号楼2门. Its code and id are filled in as it goes. */
const story = {
  name: '张大爷',
  phone: '13812345678',
  building: '5',
  entrance: '2',
  room: '301',
  description: '5号楼2门地下室下水返水，楼道里有味道，麻烦尽快来看看。',
  outcome: '疏通5号楼2门主下水管道，清理地下室积水',
};

describe('1. the seed story, in Chinese', () => {
  let code;
  let tracking;
  let id;
  let staff; // { context, page }: the staff member's desk, kept across steps

  before(async () => {
    const context = await newContext(browser, base, 'desktop');
    staff = { context, page: await context.newPage() };
  });
  after(async () => { await staff?.context.close(); });

  it('a. a resident asks for help from a phone and gets a tracking code', async () => {
    await withPage('phone', async (page) => {
      const res = await page.goto('/c/liuxiali/ask');
      assert.equal(res.status(), 200);
      assert.equal(await text(page.locator('h1')), '我要求助');
      await screenshot(page, 'ask-zh-phone');
      // The page fits a phone: nothing wider than the screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - 390);
      assert.ok(overflow <= 0, `the ask page scrolls sideways by ${overflow}px on a phone`);
      await page.click('label.category-choice:has(input[value=sewer_overflow])');
      assert.ok(await page.isChecked('input[name=category][value=sewer_overflow]'));
      await fillAsk(page, { ...story, category: undefined });
      const dayBefore = shanghaiToday();
      await submitRequestForm(page);
      await page.waitForURL(/\/track\/[^/?]+\?new=1$/);
      tracking = await text(page.locator('[data-testid=tracking-code]'));
      assert.match(tracking, /^LXL-\d{8}-\d{3}-[0-9A-F]{10}$/);
      code = shortCode(tracking);
      assert.ok([dayBefore, shanghaiToday()].includes(code.slice(4, 12)), `the code ${code} carries today's date`);
      assert.equal(await status(page), '待派单');
      await screenshot(page, 'track-new-phone');
    });
  });

  it('b. staff sign in, find it on the board and dispatch it to 王建国', async () => {
    assert.ok(code, 'step a made a request');
    const { page } = staff;
    await page.goto('/login');
    await screenshot(page, 'login');
    await signIn(page, 'lxl_staff', '/desk/board');
    assert.match(await text(page.locator('header .who')), /王丽/);
    const card = page.locator('section[data-status=submitted] .card', { hasText: code });
    await card.waitFor();
    assert.equal(await text(page.locator('section[data-status=submitted] h2')).then((t) => t.startsWith('待派单')), true);
    await screenshot(page, 'board');
    await Promise.all([page.waitForURL(/\/requests\/\d+$/), card.locator('a').click()]);
    id = Number(new URL(page.url()).pathname.split('/').pop());
    story.code = code;
    story.id = id;
    assert.equal(await status(page), '待派单');
    assert.equal(await text(page.locator('[data-testid=phone]')), story.phone);
    assert.match(await text(page.locator('[data-testid=address]')), /5号楼2门 301/);
    // Suggested volunteers come with their reasons.
    const suggestions = page.locator('details.suggestions');
    assert.match(await text(suggestions), /王建国：.*技能对口/);
    assert.ok(await page.locator('#volunteer option[value=lxl_v01]').count() === 1);
    assert.match(await text(page.locator('#volunteer option[value=lxl_v01]')), /技能对口/);
    await screenshot(page, 'request-before-dispatch');
    await page.selectOption('#volunteer', 'lxl_v01');
    await Promise.all([
      page.waitForNavigation(),
      page.click('form:has(#volunteer) button[type=submit]'),
    ]);
    assert.equal(await status(page), '已派单');
    assert.match(await text(page.locator('.facts')), /承办人 王建国/);
    await screenshot(page, 'request-after-dispatch');
  });

  it('c. the volunteer accepts on a phone, sees the phone only then, and resolves with 2 h', async () => {
    assert.ok(id, 'step b dispatched the request');
    await withPage('phone', async (page) => {
      await signIn(page, 'lxl_v01', '/v/tasks');
      const job = page.locator(`li.job[data-code="${code}"]`);
      await job.waitFor();
      const hoursBefore = Number(await text(page.locator('[data-testid=hours]')));
      assert.ok(Number.isFinite(hoursBefore));
      assert.equal(await text(job.locator('.status')), '已派单');
      assert.equal(await text(job.locator('[data-testid=phone]')), '138****5678');
      assert.ok(!(await job.innerHTML()).includes(story.phone), 'the full phone is not in the job before acceptance');
      assert.doesNotMatch(await text(job.locator('.addr')), /301/, 'the room is masked before acceptance');
      await screenshot(page, 'volunteer-tasks-phone');

      await Promise.all([page.waitForURL(/\/v\/tasks$/), job.locator('button', { hasText: '接单' }).click()]);
      assert.equal(await text(job.locator('.status')), '已接单');
      assert.equal(await text(job.locator('[data-testid=phone]')), story.phone);
      assert.match(await text(job.locator('.addr')), /301/);

      await Promise.all([page.waitForURL(/\/v\/tasks$/), job.locator('button', { hasText: '开始处置' }).click()]);
      assert.equal(await text(job.locator('.status')), '处置中');
      await job.locator('textarea[name=outcome]').fill(story.outcome);
      await job.locator('input[name=hours]').fill('2');
      await screenshot(page, 'volunteer-tasks-resolving-phone');
      await Promise.all([page.waitForURL(/\/v\/tasks$/), job.locator('button', { hasText: '办结' }).click()]);
      assert.equal(await text(job.locator('.status')), '已办结');
      const hoursAfter = Number(await text(page.locator('[data-testid=hours]')));
      assert.ok(Math.abs(hoursAfter - hoursBefore - 2) < 0.01, `hours went from ${hoursBefore} to ${hoursAfter}`);
      assert.ok(hoursAfter >= 2);
      await screenshot(page, 'volunteer-tasks-done-phone');
    });
  });

  it('d. staff record the call-back (回访) and the timeline tells the whole story', async () => {
    const { page } = staff;
    await page.goto(`/requests/${id}`);
    assert.equal(await status(page), '已办结');
    const review = page.locator(`form[action="/requests/${id}/review"]`);
    await review.locator('input[name=satisfaction][value=satisfied]').check();
    await review.locator('input[name=note]').fill('电话回访，张大爷很满意');
    await Promise.all([page.waitForNavigation(), review.locator('button[type=submit]').click()]);
    assert.equal(await status(page), '已回访');
    const kinds = await page.locator('[data-testid=timeline] li[data-kind]').evaluateAll(
      (items) => items.map((li) => li.dataset.kind),
    );
    assert.deepEqual(kinds, ['created', 'dispatched', 'accepted', 'started', 'resolved', 'reviewed']);
    assert.match(await text(page.locator('[data-testid=timeline] li[data-kind=resolved]')), /2\.0 h/);
    assert.match(await text(page.locator('.facts')), /回访满意度 满意/);
    await screenshot(page, 'request-reviewed');
  });

  it('e. the public tracking page shows 已回访 and no personal data', async () => {
    await withPage('phone', async (page) => {
      const res = await page.goto(`/track/${tracking}`);
      assert.equal(res.status(), 200);
      assert.equal(await status(page), '已回访');
      const html = withoutHex(await page.content());
      assert.deepEqual(fullPhones(html), [], 'no phone number on the public page');
      assert.ok(!html.includes('5678'), 'not even the end of the phone');
      assert.ok(!html.includes(story.name), 'no reporter name');
      assert.doesNotMatch(html, /(?<![\d-])301(?!\d)/, 'no room number');
      assert.equal(await page.locator('form[action$="/rate"]').count(), 0, 'already rated: no rating form');
      await screenshot(page, 'track-reviewed-phone');
    });
  });

  it('f. the two ledgers: 接待台账 finds it by code, 处置清单 has the outcome and 满意', async () => {
    const { page } = staff;
    await page.goto(`/desk/ledger?q=${encodeURIComponent(code)}`);
    assert.equal(await text(page.locator('nav.tabs a[aria-current=page]')), '接待台账');
    const rows = page.locator('table.ledger[data-view=intake] tbody tr');
    assert.equal(await rows.count(), 1);
    const row = await text(rows.first());
    assert.ok(row.includes(code), row);
    assert.ok(row.includes(story.name) && row.includes(story.phone), row);
    assert.ok(row.includes('5号楼2门301'), row);
    await screenshot(page, 'ledger-intake');
    await Promise.all([page.waitForNavigation(), page.click('nav.tabs a:has-text("处置清单")')]);
    assert.match(page.url(), /view=disposal/);
    assert.match(page.url(), new RegExp(`q=${code}`));
    const drows = page.locator('table.ledger[data-view=disposal] tbody tr');
    assert.equal(await drows.count(), 1);
    const cells = await drows.first().locator('td').allInnerTexts();
    assert.equal(cells[0].trim(), code);
    assert.equal(cells[2].trim(), '王建国');
    assert.equal(cells[3].trim(), story.outcome);
    assert.equal(cells[5].trim(), '已回访');
    assert.equal(cells[6].trim(), '满意');
    await screenshot(page, 'ledger-disposal');
  });

  it('g. the dashboard reproduces the mid-term figures', async () => {
    const { page } = staff;
    const res = await page.goto('/dashboard?community=liuxiali&from=2024-07-01&to=2024-11-15');
    assert.equal(res.status(), 200);
    assert.equal(await text(page.locator('[data-testid=received]')), '143');
    assert.equal(await text(page.locator('[data-testid=resolved]')), '134');
    assert.equal(await text(page.locator('[data-testid=long_term]')), '9');
    const entrances = async (c) => text(page.locator(`tr[data-category=${c}] td.entrances`));
    assert.equal(await entrances('sewer_overflow'), '22');
    assert.equal(await entrances('wall_hazard'), '16');
    assert.equal(await entrances('stairwell_light'), '20');
    assert.equal(await text(page.locator('[data-testid=rate-resolution]')).then((t) => t.startsWith('93.7')), true);
    const svg = page.locator('.chart svg');
    assert.equal(await svg.count(), 1);
    assert.ok(await svg.isVisible());
    assert.match(await svg.textContent(), /下水跑冒/);
    await screenshot(page, 'dashboard');
  });
});

describe('2. a resident rates a resolved request once', () => {
  it('rates through the whole tracking code; the short code alone opens nothing', async () => {
    const tracking = await residentAsks(browser, base, {
      category: 'stairwell_light', name: '李阿姨', phone: '13900005678',
      building: '3', entrance: '1', room: '502', description: '3号楼1门四楼楼道灯不亮，晚上上楼看不见。',
    });
    await withPage('desktop', async (page) => {
      await signIn(page, 'lxl_staff', '/desk/board');
      const id = await openFromBoard(page, tracking);
      // The office sees the whole code, to hand it to the resident.
      assert.equal(await text(page.locator('dd[data-testid=tracking-code]')).then((t) => t.split(' ')[0]), tracking);
      const resolve = page.locator(`form[action="/requests/${id}/resolve"]`);
      await resolve.locator('textarea[name=outcome]').fill('物业电工更换楼道灯泡');
      await resolve.locator('input[name=hours]').fill('0.5');
      await Promise.all([page.waitForNavigation(), resolve.locator('button[type=submit]').click()]);
      assert.equal(await status(page), '已办结');
    });
    await withPage('phone', async (page) => {
      // The short code, which anyone who saw the request (or guessed it) knows, opens nothing.
      const short = await page.goto(`/track/${shortCode(tracking)}`);
      assert.equal(short.status(), 404);
      await page.goto(`/track/${tracking}`);
      assert.equal(await status(page), '已办结');
      const form = page.locator(`form[action="/track/${tracking}/rate"]`);
      assert.equal(await form.count(), 1, 'a resolved request can be rated');
      assert.equal(await page.locator('#pin').count(), 0, 'no phone digits are asked for');
      await screenshot(page, 'track-rate-phone');

      await form.locator('input[name=satisfaction][value=satisfied]').check();
      await Promise.all([page.waitForURL(/\?rated=1$/), form.locator('button[type=submit]').click()]);
      assert.equal(await status(page), '已回访');
      assert.match(await text(page.locator('p.notice[role=status]')), /感谢您的评价/);
      assert.equal(await form.count(), 0, 'the rating form is gone');

      // Once only: posting the rating again is refused and changes nothing.
      const csrf = (await page.context().cookies()).find((c) => c.name === 'bb_csrf').value;
      const again = await page.request.post(`/track/${tracking}/rate`, {
        form: { _csrf: csrf, satisfaction: 'unsatisfied' }, maxRedirects: 0,
      });
      assert.ok(again.status() >= 400, `a second rating answered ${again.status()}`);
      await page.reload();
      assert.equal(await status(page), '已回访');
    });
  });
});

describe('3. security', () => {
  it('a. a form posted without its CSRF token (or with a wrong one) is refused and creates nothing', async () => {
    await withPage('desktop', async (page) => {
      await signIn(page, 'lxl_staff', '/desk/board');
      const count = async () => {
        await page.goto('/desk/board');
        return Number(await text(page.locator('section[data-status=submitted] h2 .count')));
      };
      const before = await count();
      const form = {
        category: 'plumbing', channel: 'phone', urgency: 'normal',
        'reporter.name': '伪造者', 'reporter.phone': '13700001111',
        'address.building': '1', 'address.entrance': '1', 'address.room': '101',
        description: '跨站伪造的登记',
      };
      const none = await page.request.post('/desk/intake', { form, maxRedirects: 0 });
      assert.equal(none.status(), 403);
      assert.match(await none.text(), /出错了/);
      const wrong = await page.request.post('/desk/intake', {
        form: { ...form, _csrf: 'bb_' + '0'.repeat(64) }, maxRedirects: 0,
      });
      assert.equal(wrong.status(), 403);
      // An action on a request is guarded the same way.
      const act = await page.request.post('/requests/1/notes', { form: { text: '伪造的备注' }, maxRedirects: 0 });
      assert.equal(act.status(), 403);
      assert.equal(await count(), before, 'nothing was created');
      await page.goto('/desk/ledger?q=' + encodeURIComponent('跨站伪造'));
      assert.equal(await page.locator('table.ledger tbody tr').count(), 0);
    });
  });

  it('b. a volunteer cannot open the desk pages', async () => {
    await withPage('phone', async (page) => {
      await signIn(page, 'lxl_v06', '/v/tasks');
      for (const path of ['/desk/board', '/desk/ledger', '/dashboard', '/desk/intake']) {
        const res = await page.goto(path);
        assert.equal(res.status(), 403, path);
        assert.match(await text(page.locator('h1')), /出错了/, path);
        if (path === '/desk/board') await screenshot(page, 'error-403-phone');
      }
    });
  });

  it('c. a pooled request stays masked for volunteers until one accepts it', async () => {
    const phone = '13822223333';
    const code = shortCode(await residentAsks(browser, base, {
      category: 'errands', name: '赵奶奶', phone, building: '7', entrance: '3', room: '602',
      description: '腿脚不便，想请人帮忙买菜和取药。',
    }));
    let id;
    await withPage('desktop', async (page) => {
      await signIn(page, 'lxl_staff', '/desk/board');
      id = await openFromBoard(page, code);
      await Promise.all([
        page.waitForNavigation(),
        page.click(`form[action="/requests/${id}/dispatch"]:has(input[name=pool]) button[type=submit]`),
      ]);
      assert.equal(await status(page), '待接单');
    });
    await withPage('phone', async (page) => {
      await signIn(page, 'lxl_v06', '/v/tasks');
      const res = await page.goto('/v/pool');
      assert.equal(res.status(), 200);
      const job = page.locator(`li.job[data-code="${code}"]`);
      await job.waitFor();
      assert.equal(await text(job.locator('[data-testid=phone]')), '138****3333');
      const pool = withoutHex(await page.content());
      assert.deepEqual(fullPhones(pool), [], 'no full phone anywhere in the pool');
      for (const p of await page.locator('li.job [data-testid=phone]').allInnerTexts()) {
        assert.match(p.trim(), /^(—|\d{3}\*{4}\d{4}|\**\d{0,2})$/, `pool phone ${p}`);
      }
      assert.doesNotMatch(await text(job.locator('.addr')), /602/, 'the room is masked in the pool');
      assert.match(await text(job.locator('.addr')), /7号楼3门 \*+/);
      await screenshot(page, 'volunteer-pool-phone');

      await page.goto(`/requests/${id}`);
      assert.equal(await status(page), '待接单');
      assert.equal(await text(page.locator('[data-testid=phone]')).then((t) => t.startsWith('138****3333')), true);
      const detail = withoutHex(await page.content());
      assert.deepEqual(fullPhones(detail), [], 'no full phone on the request page');
      assert.doesNotMatch(await text(page.locator('[data-testid=address]')), /602/, 'no room on the request page');
      assert.doesNotMatch(await text(page.locator('[data-testid=timeline]')), /602|13822223333/);
      assert.equal(await page.locator('form[action$="/accept"]').count(), 1, 'the volunteer can claim it');
      await screenshot(page, 'volunteer-request-pooled-phone');
    });
  });
});

describe('4. validation in the browser', () => {
  it('a bad phone shows the field error and keeps what was typed', async () => {
    await withPage('phone', async (page) => {
      await page.goto('/c/liuxiali/ask');
      const typed = {
        category: 'wall_hazard', name: '钱师傅', phone: '12345', building: '2', entrance: '1',
        room: '201', description: '外墙瓷砖松动，有掉落危险。',
      };
      await fillAsk(page, typed);
      const res = await submitRequestForm(page);
      assert.equal(res.status(), 422);
      assert.match(new URL(page.url()).pathname, /^\/c\/liuxiali\/ask$/);
      assert.ok(await page.locator('p.alert[role=alert]').isVisible());
      const err = page.locator('#reporter_phone-error');
      assert.ok(await err.isVisible(), 'the phone field has an error');
      assert.ok((await text(err)).length > 0);
      await screenshot(page, 'ask-validation-errors-phone');
      assert.equal(await page.inputValue('#reporter_name'), typed.name);
      assert.equal(await page.inputValue('#reporter_phone'), typed.phone);
      assert.equal(await page.inputValue('#building'), typed.building);
      assert.equal(await page.inputValue('#entrance'), typed.entrance);
      assert.equal(await page.inputValue('#room'), typed.room);
      assert.equal(await page.inputValue('#description'), typed.description);
      assert.ok(await page.isChecked('input[name=category][value=wall_hazard]'));
      assert.equal(await page.locator('.field-error').count(), 1, 'only the phone is wrong');
      // The page is in Chinese, and so must the explanation be (the photo error already is).
      assert.match(await text(err), /[\u4e00-\u9fff]/, `the phone error on the Chinese page is not in Chinese: ${await text(err)}`);
    });
  });

  it('a text file renamed .jpg is refused on the photo field', async () => {
    await withPage('phone', async (page) => {
      await page.goto('/c/liuxiali/ask');
      await fillAsk(page, {
        category: 'sanitation', name: '孙大姐', phone: '13644445555', building: '4', entrance: '2',
        room: '402', description: '楼下垃圾桶满了没人清。',
      });
      await page.setInputFiles('#photo', { name: 'x.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not an image') });
      const res = await submitRequestForm(page);
      assert.equal(res.status(), 422);
      const err = page.locator('#photo-error');
      assert.ok(await err.isVisible());
      assert.match(await text(err), /不是图片/);
      assert.equal(await page.inputValue('#reporter_name'), '孙大姐');
      assert.equal(await page.inputValue('#description'), '楼下垃圾桶满了没人清。');
      await screenshot(page, 'ask-photo-error-phone');
    });
  });
});

describe('5. English', () => {
  it('the resident page speaks English on request, and remembers it', async () => {
    await withPage('phone', async (page) => {
      await page.goto('/c/liuxiali/ask?lang=en');
      assert.equal(await text(page.locator('h1')), 'Ask for help');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.equal(await text(page.locator('form.request-form button[type=submit]')), 'Send');
      await screenshot(page, 'ask-en-phone');
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      const spill = await page.locator('label.category-choice').evaluateAll(
        (labels) => labels.filter((l) => l.scrollWidth > l.clientWidth + 1).map((l) => l.textContent.trim().replace(/\s+/g, ' ')),
      );
      // Remembered in a cookie.
      await page.goto('/c/liuxiali/ask');
      assert.equal(await text(page.locator('h1')), 'Ask for help');
      // A wrong phone is explained in English too.
      await fillAsk(page, {
        category: 'plumbing', name: 'Mr Zhang', phone: '12345', building: '1', entrance: '1',
        room: '101', description: 'The kitchen tap leaks.',
      });
      const res = await submitRequestForm(page);
      assert.equal(res.status(), 422);
      assert.doesNotMatch(await text(page.locator('#reporter_phone-error')), /[\u4e00-\u9fff]/,
        'the phone error is in English');
      await screenshot(page, 'ask-en-validation-errors-phone');
      // It fits a phone: nothing spills out of its box, nothing scrolls sideways.
      assert.deepEqual(spill, [], 'category names spill out of their boxes on a phone');
      assert.ok(wide <= 390, `the English ask page is ${wide}px wide on a 390px phone`);
    });
  });
});

describe('6. the other desk pages', () => {
  it('the QR poster prints the community\'s ask link', async () => {
    await withPage('desktop', async (page) => {
      const res = await page.goto('/c/liuxiali/poster');
      assert.equal(res.status(), 200);
      assert.equal(await page.locator('.qr svg').count(), 1);
      assert.equal(await text(page.locator('.poster-url')), `${base}/c/liuxiali/ask`);
      await screenshot(page, 'poster');
    });
  });

  it('the intake form offers possible duplicates that link to their request pages', async () => {
    await withPage('desktop', async (page) => {
      await signIn(page, 'lxl_staff', '/desk/board');
      await page.goto('/desk/intake');
      await page.check('input[name=category][value=sewer_overflow]');
      await page.selectOption('#building', '5');
      await page.selectOption('#entrance', '2');
      // The same entrance and category as the story's request: offered as a possible duplicate.
      const dup = page.locator('#duplicates .dup-list a').first();
      await dup.waitFor();
      assert.match(await text(page.locator('#duplicates h2')), /可能重复/);
      await screenshot(page, 'intake-duplicates');
      const href = await dup.getAttribute('href');
      const res = await page.request.get(href);
      assert.equal(res.status(), 200, `the duplicate's link ${href} answers ${res.status()}`);
      assert.match(href, /^\/requests\/\d+$/, `the duplicate links to ${href}`);
    });
  });

  it('staff record a phone call on the intake form and land on the new request', async () => {
    await withPage('desktop', async (page) => {
      await signIn(page, 'lxl_staff', '/desk/board');
      await page.goto('/desk/intake');
      assert.equal(await text(page.locator('h1')), '登记来电来访');
      assert.equal(await page.inputValue('#channel'), 'phone');
      await screenshot(page, 'intake');
      await page.check('input[name=category][value=plumbing]');
      await page.selectOption('#urgency', 'urgent');
      await page.selectOption('#building', '8');
      await page.selectOption('#entrance', '1');
      await page.fill('#reporter_name', '周先生');
      await page.fill('#reporter_phone', '13566667777');
      await page.fill('#room', '101');
      await page.fill('#description', '厨房水管漏水（来电）。');
      const res = await submitRequestForm(page);
      await screenshot(page, 'intake-after-submit');
      assert.equal(res.status(), 200, `after recording the call the browser got ${res.status()} at ${page.url()}`);
      assert.match(new URL(page.url()).pathname, /^\/requests\/\d+$/);
      assert.equal(await status(page), '待派单');
      assert.equal(await text(page.locator('[data-testid=phone]')), '13566667777');
    });
  });

  it('a grid worker reports from patrol on a phone', async () => {
    await withPage('phone', async (page) => {
      await signIn(page, 'lxl_grid', '/g/patrol');
      assert.equal(await text(page.locator('h1')), '网格巡查上报');
      assert.equal(await page.locator('#reporter_phone').count(), 0, 'no phone field on patrol');
      await screenshot(page, 'patrol-phone');
      await fillAsk(page, { category: 'stairwell_light', building: '6', entrance: '1', description: '6号楼1门三楼楼道灯坏了。' });
      await submitRequestForm(page);
      await page.waitForURL(/\/g\/patrol\?done=LXL-\d{8}-\d{3}$/);
      assert.match(await text(page.locator('p.notice[role=status]')), /LXL-\d{8}-\d{3}/);
      await screenshot(page, 'patrol-done-phone');
    });
  });

  it('a wrong password is refused on the sign-in page', async () => {
    await withPage('desktop', async (page) => {
      await page.goto('/login');
      await page.fill('#username', 'lxl_staff');
      await page.fill('#password', 'wrong-password');
      const [res] = await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
      assert.equal(res.status(), 401);
      assert.match(await text(page.locator('p.alert')), /用户名或密码不对/);
      assert.equal(await page.inputValue('#username'), 'lxl_staff');
      await screenshot(page, 'login-failed');
    });
  });

  it('an unknown tracking code shows a friendly error page', async () => {
    await withPage('phone', async (page) => {
      const res = await page.goto('/track/LXL-20000101-999');
      assert.equal(res.status(), 404);
      assert.match(await text(page.locator('h1')), /出错了/);
      assert.match(await text(page.locator('.error-message')), /LXL-20000101-999/);
      await screenshot(page, 'error-404-phone');
    });
  });

  it('the Chinese request page shows the call-back rating in Chinese in its timeline', async () => {
    assert.ok(story.id, 'the story ran');
    await withPage('desktop', async (page) => {
      await signIn(page, 'lxl_staff', '/desk/board');
      await page.goto(`/requests/${story.id}?lang=zh`);
      const reviewed = await text(page.locator('[data-testid=timeline] li[data-kind=reviewed] .detail'));
      assert.match(reviewed, /^满意/, reviewed);
      assert.doesNotMatch(reviewed, /satisfied|basic|unsatisfied/, `the timeline shows the code: ${reviewed}`);
    });
  });

  it('the English desk pages (board, request, dashboard) for a look', async () => {
    await withPage('desktop', async (page) => {
      await signIn(page, 'lxl_staff', '/desk/board');
      await page.goto('/desk/board?lang=en');
      assert.equal(await text(page.locator('h1')), 'Dispatch board');
      await screenshot(page, 'board-en');
      await page.goto('/dashboard?community=liuxiali&from=2024-07-01&to=2024-11-15');
      assert.equal(await text(page.locator('h1')), 'Figures');
      await screenshot(page, 'dashboard-en');
      if (story.id) {
        await page.goto(`/requests/${story.id}`);
        await screenshot(page, 'request-reviewed-en');
      }
      // Words, not the program's codes.
      await page.goto('/desk/board');
      const columns = await page.locator('section.column h2').allInnerTexts();
      const raw = columns.filter((h) => /^[a-z]+(_[a-z]+)*\b/.test(h.trim()));
      await page.goto('/dashboard?community=liuxiali&from=2024-07-01&to=2024-11-15');
      const channels = await page.locator('table.by-channel tbody td:first-child').allInnerTexts();
      raw.push(...channels.filter((c) => /^[a-z]+(_[a-z]+)*$/.test(c.trim())));
      raw.push(...[await text(page.locator('header .who'))].filter((w) => /· [a-z_]+$/.test(w)));
      assert.deepEqual(raw, [], 'the English pages show status, channel and role codes instead of words');
    });
  });
});

/** Today in Shanghai as 2026-11-30 (for date inputs). */
const isoToday = () => shanghaiToday().replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');

describe('7. the mid-term report, volunteers, ledgers out and in', () => {
  it('the report page for the article period shows the seed figures and its charts', async () => {
    await withPage('desktop', async (page) => {
      await signIn(page, 'lxl_staff', '/desk/board');
      const res = await page.goto('/report?community=liuxiali&from=2024-07-01&to=2024-11-15');
      assert.equal(res.status(), 200);
      assert.equal(await text(page.locator('[data-testid=received]')), '143');
      assert.equal(await text(page.locator('[data-testid=resolved]')), '134');
      assert.equal(await text(page.locator('[data-testid=long_term]')), '9');
      for (const [category, entrances] of [['sewer_overflow', '22'], ['wall_hazard', '16'], ['stairwell_light', '20']]) {
        assert.equal(await text(page.locator(`tr[data-category=${category}] td.entrances`)), entrances);
      }
      assert.equal(await page.locator('.chart svg').count(), 2, 'by category and by month');
      assert.match(await text(page.locator('[data-testid=summary]')), /143.*134.*9/);
      await screenshot(page, 'report');
      // The same report as an Excel workbook.
      const download = await page.request.get('/report.xlsx?community=liuxiali&from=2024-07-01&to=2024-11-15');
      assert.equal(download.status(), 200);
      assert.equal((await download.body()).subarray(0, 2).toString(), 'PK');
    });
  });

  it('staff record activity hours; the honour board and the certificate count them', async () => {
    await withPage('desktop', async (page) => {
      await signIn(page, 'lxl_staff', '/desk/board');
      await page.goto('/desk/volunteers?from=2024-01-01');
      await page.selectOption('#hv', 'lxl_v02');
      await page.fill('#ha', '重阳节敬老活动');
      await page.fill('#hd', isoToday());
      await page.fill('#hh', '3');
      await Promise.all([page.waitForURL(/recorded=1/), page.click('form[action="/desk/volunteers"] button[type=submit]')]);
      assert.match(await text(page.locator('.notice')), /已登记/);
      await screenshot(page, 'volunteers');
      await page.goto('/desk/volunteers/lxl_v02?from=' + isoToday());
      assert.equal(await text(page.locator('[data-testid=cert-hours]')), '3.0');
      assert.match(await page.content(), /重阳节敬老活动/);
      await screenshot(page, 'certificate');
    });
    await withPage('phone', async (page) => {
      const res = await page.goto('/c/liuxiali/honour?from=2024-07-01&to=2024-11-15');
      assert.equal(res.status(), 200, 'the honour board is public');
      assert.ok(await page.locator('ol.honour li').count() >= 5);
      assert.match(await text(page.locator('ol.honour li').first()), /小时/);
      await screenshot(page, 'honour-phone');
    });
  });

  it('the ledger exports download and a hand-kept ledger can be previewed', async () => {
    await withPage('desktop', async (page) => {
      await signIn(page, 'lxl_staff', '/desk/board');
      await page.goto('/desk/ledger?from=2024-07-01&to=2024-11-15');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=导出Excel')]);
      assert.match(download.suggestedFilename(), /\.xlsx$/);
      const csv = await page.request.get('/desk/ledger/export?view=intake&format=csv&from=2024-07-01&to=2024-11-15');
      const body = await csv.body();
      assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');
      assert.equal(body.toString('utf8').trim().split('\n').length, 144, 'a header and 143 rows');
      await page.goto('/desk/import');
      await page.setInputFiles('#file', {
        name: '旧台账.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from('序号,反映时间,反映人,联系电话,地址,反映事项,类别,状态\n1,2024年7月3日,张桂兰,13812345678,3号楼2门301,下水返水,下水跑冒,已办结\n2,2024-13-45,李四,13900000000,3号楼1门,灯不亮,楼道灯,\n合计：2件,,,,,,,\n'),
      });
      await page.click('form[action="/desk/import"] button[type=submit]');
      const result = page.locator('[data-testid=import-result]');
      assert.match(await text(result), /1 行可导入/);
      assert.match(await text(result), /反映时间无法识别/);
      await screenshot(page, 'import-preview');
    });
  });
});
