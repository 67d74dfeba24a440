import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigException, parseOverrides, parseProperties } from '../../../src/config/index.js';

test('separators, comments and blank lines', () => {
  const p = parseProperties(
    [
      '# a comment',
      '! also a comment',
      '',
      '   ',
      'a=1',
      'b: 2',
      'c 3',
      '  d = 4',
      'e\t=\t5',
      'f',
      'g=',
      'h==x',
      'i=a=b',
      'j = trailing   ',
    ].join('\n'),
  );
  assert.deepEqual(Object.fromEntries(p), {
    a: '1',
    b: '2',
    c: '3',
    d: '4',
    e: '5',
    f: '',
    g: '',
    h: '=x',
    i: 'a=b',
    j: 'trailing   ',
  });
});

test('line continuations join lines and drop the next line leading whitespace', () => {
  const p = parseProperties('listeners=PLAINTEXT://:9092,\\\n    CONTROLLER://:9093\nnext=1\n');
  assert.equal(p.get('listeners'), 'PLAINTEXT://:9092,CONTROLLER://:9093');
  assert.equal(p.get('next'), '1');
  // An even number of trailing backslashes is an escaped backslash, not a continuation.
  const q = parseProperties('path=c:\\\\\nx=2');
  assert.equal(q.get('path'), 'c:\\');
  assert.equal(q.get('x'), '2');
  // A comment line never continues, even ending in a backslash.
  const r = parseProperties('# note \\\nk=v');
  assert.equal(r.get('k'), 'v');
});

test('CRLF and CR line endings', () => {
  const p = parseProperties('a=1\r\nb=2\rc=3');
  assert.deepEqual([...p.entries()], [['a', '1'], ['b', '2'], ['c', '3']]);
});

test('escapes in keys and values', () => {
  const p = parseProperties('key\\ with\\=odd\\:chars=v\nt=a\\tb\\nc\nu=\\u0041\\u00e9\nother=\\q\\\\');
  assert.equal(p.get('key with=odd:chars'), 'v');
  assert.equal(p.get('t'), 'a\tb\nc');
  assert.equal(p.get('u'), 'Aé');
  assert.equal(p.get('other'), 'q\\');
  assert.throws(() => parseProperties('bad=\\u12'), ConfigException);
});

test('later keys win; file may end inside a continuation', () => {
  const p = parseProperties('a=1\na=2\nb=x\\');
  assert.equal(p.get('a'), '2');
  assert.equal(p.get('b'), 'x');
});

test('parseOverrides splits at the first =', () => {
  const o = parseOverrides(['node.id=3', ' log.dirs = /a,/b', 'empty=', 'x=a=b']);
  assert.deepEqual(Object.fromEntries(o), { 'node.id': '3', 'log.dirs': ' /a,/b', empty: '', x: 'a=b' });
  assert.throws(() => parseOverrides(['novalue']), /expected key=value/);
  assert.throws(() => parseOverrides(['=v']), /expected key=value/);
});
