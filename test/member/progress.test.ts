// The progress file as the agent writes it, and the Lease annotation the hooks read from it.
import t from 'tap';
import { annotationValue, canonicalJson, parseProgress, TAIL_BYTES, utf8Tail } from '../../src/member/progress.js';

const UID = '5f0c-uid';

t.test('every key of the contract, in the example order of the brief', async (t) => {
  const text = [
    'seen\t7',
    'configured\t3',
    'processed\t7',
    'done\t7.1',
    'left\t8.2',
    'failed\tdownload failed',
    'notify\t7.2\t3\tstartscript --addnodes exited with status 2',
    '',
  ].join('\n');
  t.same(parseProgress(text), {
    seen: 7,
    configured: 3,
    processed: 7,
    done: '7.1',
    left: '8.2',
    failed: 'download failed',
    notify: { event: '7.2', attempts: 3, reason: 'startscript --addnodes exited with status 2' },
  });
  t.equal(
    annotationValue(text, UID, { stdout: 'out', stderr: 'err' }),
    '{"configured":3,"done":"7.1","failed":"download failed","left":"8.2",' +
      '"notify":{"attempts":3,"event":"7.2","reason":"startscript --addnodes exited with status 2","stderr":"err","stdout":"out"},' +
      `"pod":"${UID}","processed":7,"seen":7}`,
    'compact JSON, keys sorted at every level',
  );
});

t.test('absent keys are omitted; the pod is always there', async (t) => {
  t.equal(annotationValue('', UID), `{"pod":"${UID}"}`, 'no progress file yet');
  t.equal(annotationValue('seen\t1\n', UID), `{"pod":"${UID}","seen":1}`);
  t.equal(
    annotationValue('notify\t2.1\t1\tfailed\n', UID),
    `{"notify":{"attempts":1,"event":"2.1","reason":"failed"},"pod":"${UID}"}`,
    'no tail files',
  );
  t.equal(
    annotationValue('notify\t2.1\t1\tfailed\n', UID, { stdout: '', stderr: undefined }),
    `{"notify":{"attempts":1,"event":"2.1","reason":"failed","stdout":""},"pod":"${UID}"}`,
    'an empty tail is kept, a missing one left out',
  );
});

t.test('unknown keys, malformed values and blank lines are ignored; a later line wins', async (t) => {
  t.same(parseProgress('future\tx\nseen\tseven\nconfigured\t-1\nprocessed\t4\n\nprocessed\t5\ndone\t\n'), { processed: 5 });
  t.same(parseProgress('notify\n'), {}, 'a notify line without an event');
  t.same(parseProgress('notify\t3.1\n'), { notify: { event: '3.1' } });
  t.same(parseProgress('failed\t\n'), { failed: '' }, 'a failure without a reason still says it failed');
  t.same(parseProgress('seen\t3\r\n'), { seen: 3 }, 'a CR before the newline is tolerated');
});

t.test('equal progress is the equal string, whatever the line order', async (t) => {
  t.equal(annotationValue('seen\t2\nprocessed\t2\n', UID), annotationValue('processed\t2\nseen\t2\n', UID));
  t.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }], x: undefined }), '{"a":[{"c":2,"d":1}],"b":1}');
});

t.test('tails keep their last 4096 bytes and never start inside a character', async (t) => {
  t.equal(utf8Tail(Buffer.from('abc'), 10), 'abc');
  t.equal(utf8Tail(Buffer.from('abcdef'), 3), 'def');
  // 'é' is 2 bytes, '€' 3: a cut through either drops the whole character.
  t.equal(utf8Tail(Buffer.from('xé1'), 2), '1');
  t.equal(utf8Tail(Buffer.from('x€12'), 3), '12');
  t.equal(utf8Tail(Buffer.from('x€12'), 5), '€12');
  const long = 'start\n' + 'é'.repeat(3000) + 'the end';
  const value = JSON.parse(annotationValue('notify\t1.1\t3\tx\n', UID, { stdout: long, stderr: 'short' })) as {
    notify: { stdout: string; stderr: string };
  };
  t.ok(Buffer.byteLength(value.notify.stdout) <= TAIL_BYTES, 'capped at 4096 bytes');
  t.ok(Buffer.byteLength(value.notify.stdout) >= TAIL_BYTES - 1, 'only a split character is lost');
  t.ok(value.notify.stdout.endsWith('éthe end'), 'the end is kept');
  t.notOk(value.notify.stdout.includes('\ufffd'), 'no broken character');
  t.equal(value.notify.stderr, 'short');
});
