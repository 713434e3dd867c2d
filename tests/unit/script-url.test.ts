/**
 * Which widget script URLs the plugin accepts: iFlyChat's CDN over https, or a host that
 * `allowedScriptHosts` in config/plugins.ts names; the list itself is refused from the admin.
 */
import { describeIssues, pluginConfigSchema } from '../../contracts/config';
import { settingsUpdateSchema } from '../../contracts/settings';
import { scriptUrlProblem } from '../../contracts/users';

const problems = (input: Record<string, unknown>) => {
  const parsed = pluginConfigSchema.safeParse(input);
  return parsed.success ? [] : describeIssues(parsed.error);
};

describe('scriptUrlProblem', () => {
  it.each([
    'https://cdn.iflychat.com/js/iflychat-v2.min.js',
    '//cdn.iflychat.com/js/iflychat-v2.min.js?v=2',
    'HTTPS://CDN.IFLYCHAT.COM/js/w.js',
  ])('accepts %s', (url) => {
    expect(scriptUrlProblem(url)).toBeNull();
  });

  it.each([
    ['http://cdn.iflychat.com/js/w.js', /https/],
    ['https://evil.example/js/w.js', /allowedScriptHosts/],
    ['https://cdn.iflychat.com.evil.example/w.js', /allowedScriptHosts/],
    ['https://cdn.iflychat.com@evil.example/w.js', /must be an https URL/],
    ['https://cdn.iflychat.com:8443/w.js', /allowedScriptHosts/],
    ['javascript:alert(1)', /must be an https URL/],
    ['/uploads/w.js', /must be an https URL/],
  ])('refuses %s', (url, message) => {
    expect(scriptUrlProblem(url)).toMatch(message);
  });

  it('accepts an allowed host, over http only on this machine', () => {
    expect(scriptUrlProblem('https://chat.example.com/w.js', ['chat.example.com'])).toBeNull();
    expect(scriptUrlProblem('http://127.0.0.1:4010/w.js', ['127.0.0.1:4010'])).toBeNull();
    expect(scriptUrlProblem('http://chat.example.com/w.js', ['chat.example.com'])).toMatch(
      /plain http only/
    );
    expect(scriptUrlProblem('https://127.0.0.1:4011/w.js', ['127.0.0.1:4010'])).toMatch(
      /allowedScriptHosts/
    );
  });
});

describe('config/plugins.ts', () => {
  it('defaults to https://cdn.iflychat.com and no other host', () => {
    expect(pluginConfigSchema.parse({})).toMatchObject({
      scriptUrl: 'https://cdn.iflychat.com/js/iflychat-v2.min.js',
      allowedScriptHosts: [],
    });
  });

  it('refuses a scriptUrl on a host it does not allow, naming scriptUrl', () => {
    expect(problems({ scriptUrl: 'https://evil.example/w.js' })).toEqual([
      'scriptUrl: must be on cdn.iflychat.com; another host must be listed in allowedScriptHosts in config/plugins.ts',
    ]);
    expect(
      problems({
        scriptUrl: 'https://Chat.Example.com/w.js',
        allowedScriptHosts: ['CHAT.example.com'],
      })
    ).toEqual([]);
  });

  it('checks each allowed host', () => {
    expect(problems({ allowedScriptHosts: ['chat.example.com', 'https://x.example/'] })).toEqual([
      'allowedScriptHosts.1: must be a host name such as chat.example.com, with an optional :port',
    ]);
    expect(problems({ allowedScriptHosts: 'chat.example.com' })).toHaveLength(1);
  });
});

describe('the settings page', () => {
  it('cannot send allowedScriptHosts', () => {
    const parsed = settingsUpdateSchema.safeParse({ allowedScriptHosts: ['evil.example'] });
    expect(parsed.success).toBe(false);
    expect(describeIssues(parsed.error!)).toContain(
      'allowedScriptHosts: can only be set in config/plugins.ts, not from the admin panel'
    );
  });
});
