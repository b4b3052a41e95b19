// An independent relying party judges the sandbox's OpenID Provider: npm `openid-client`
// (OpenID Certified) does all protocol work — discovery, PKCE, state, nonce, RFC 9207 `iss`,
// ID token validation against the JWKS, userinfo, refresh and revocation. This script only plays
// the browser: it opens the authorization URL, fills in the sign-in form and reads the 303
// Location, which is where a native client's loopback listener would receive the response.
//
//   node rp_check.mjs ISSUER          e.g. node rp_check.mjs http://127.0.0.1:38379
//
// Prints one `ok <step>` line per passed step and exits 0 only when every step passed; on the
// first failure it prints `FAIL <step>: <reason>` and exits 1 (2 for a usage error).

import * as client from 'openid-client';

const CLIENT_ID = 'bailiwick-desktop';
// RFC 8252 §7.3: any port of this loopback redirect is accepted; nothing listens on it, because
// the stand-in browser reads the redirect instead of following it.
const REDIRECT_URI = 'http://127.0.0.1:53682/callback';
const SCOPE = 'openid profile email offline_access';
const ADMIN = 'ada.emea';
const PASSWORD = 'demo';

class CheckFailure extends Error {}

function expect(condition, message) {
  if (!condition) throw new CheckFailure(message);
}

/** Runs `action`, which must fail with the OAuth error code `code` from the server. */
async function expectOAuthError(code, what, action) {
  try {
    await action();
  } catch (error) {
    if (error instanceof client.ResponseBodyError && error.error === code) return error;
    throw new CheckFailure(`${what}: expected the server's ${code}, got ${describe(error)}`);
  }
  throw new CheckFailure(`${what}: expected the server's ${code}, but it succeeded`);
}

function describe(error) {
  if (error instanceof client.ResponseBodyError) {
    return `${error.status} ${error.error}${error.error_description ? ` (${error.error_description})` : ''}`;
  }
  const cause = error?.cause ? ` [cause: ${error.cause?.message ?? JSON.stringify(error.cause)}]` : '';
  return `${error?.name ?? 'Error'}${error?.code ? ` ${error.code}` : ''}: ${error?.message ?? error}${cause}`;
}

function decodeEntities(text) {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

/** The hidden fields of the sign-in form, whatever the attribute order, as a browser sends them. */
function hiddenFields(html) {
  const fields = [];
  for (const [tag] of html.matchAll(/<input\b[^>]*>/gi)) {
    const attribute = (name) => tag.match(new RegExp(`\\b${name}="([^"]*)"`, 'i'))?.[1];
    if (attribute('type')?.toLowerCase() !== 'hidden') continue;
    const name = attribute('name');
    if (name === undefined) continue;
    fields.push([decodeEntities(name), decodeEntities(attribute('value') ?? '')]);
  }
  return fields;
}

/**
 * Plays the browser for one authorization request and returns the URL the provider redirects
 * to: the authorization response, for openid-client to process.
 */
async function signIn(authorizationUrl) {
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  const html = await page.text();
  expect(
    page.status === 200,
    `the authorization endpoint shows the sign-in page, got ${page.status}: ${html.slice(0, 300)}`,
  );
  const action = html.match(/<form\b[^>]*\baction="([^"]*)"/i)?.[1];
  expect(action !== undefined, 'the sign-in page has a form with an action');
  const form = new URLSearchParams(hiddenFields(html));
  expect(form.has('code_challenge'), 'the sign-in form carries the PKCE challenge on to the provider');
  form.append('username', ADMIN);
  form.append('password', PASSWORD);
  const response = await fetch(new URL(decodeEntities(action), authorizationUrl), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const location = response.headers.get('location');
  expect(
    response.status === 303 && location,
    `a correct password redirects (303) to the client, got ${response.status}`,
  );
  const callback = new URL(location, authorizationUrl);
  expect(
    callback.href.startsWith(REDIRECT_URI),
    `the redirect goes to the registered loopback redirect URI, got ${callback.href}`,
  );
  return callback;
}

/** A fresh authorization request with its own PKCE verifier, state and nonce. */
async function authorization(config) {
  const verifier = client.randomPKCECodeVerifier();
  const checks = {
    pkceCodeVerifier: verifier,
    expectedState: client.randomState(),
    expectedNonce: client.randomNonce(),
  };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: checks.expectedState,
    nonce: checks.expectedNonce,
  });
  return { url, checks };
}

/** A full sign-in through openid-client: the validated token response. */
async function signInForTokens(config) {
  const { url, checks } = await authorization(config);
  const callback = await signIn(url);
  return client.authorizationCodeGrant(config, callback, checks);
}

const steps = [
  [
    'discovery, code + PKCE S256 + state + nonce, ID token and RFC 9207 iss validated',
    async (context) => {
      const { config } = context;
      const metadata = config.serverMetadata();
      const algs = metadata.id_token_signing_alg_values_supported ?? [];
      expect(
        algs.some((alg) => ['ES256', 'RS256'].includes(alg)),
        `the provider signs ID tokens with an algorithm openid-client supports, it offers ${JSON.stringify(algs)}`,
      );
      expect(
        metadata.code_challenge_methods_supported?.includes('S256'),
        'discovery announces PKCE S256',
      );
      expect(
        metadata.authorization_response_iss_parameter_supported === true,
        'discovery announces the RFC 9207 iss parameter, so openid-client requires and checks it',
      );

      const { url, checks } = await authorization(config);
      const callback = await signIn(url);
      // openid-client must refuse an authorization response whose `iss` is not the issuer
      // (a mix-up attack), before it spends the code; this proves the library checks it.
      const forged = new URL(callback);
      forged.searchParams.set('iss', 'http://127.0.0.1:1/');
      try {
        await client.authorizationCodeGrant(config, forged, checks);
        throw new CheckFailure('openid-client accepted an authorization response from another issuer');
      } catch (error) {
        if (error instanceof CheckFailure) throw error;
        expect(
          !(error instanceof client.ResponseBodyError) && /"iss"/.test(describe(error)),
          `a forged iss is refused by the client before the token request, got ${describe(error)}`,
        );
      }

      const tokens = await client.authorizationCodeGrant(config, callback, checks);
      expect(
        context.fetched.includes(metadata.jwks_uri),
        `openid-client fetched the JWKS (${metadata.jwks_uri}) to verify the ID token signature`,
      );
      const alg = JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url').toString()).alg;
      expect(algs.includes(alg), `the ID token is signed with an advertised algorithm, got ${alg}`);
      const claims = tokens.claims();
      expect(claims !== undefined, 'the token response has an ID token');
      expect(claims.iss === metadata.issuer, `the ID token's iss is the issuer, got ${claims.iss}`);
      expect(
        claims.aud === CLIENT_ID || (Array.isArray(claims.aud) && claims.aud.includes(CLIENT_ID)),
        `the ID token is for ${CLIENT_ID}, got ${JSON.stringify(claims.aud)}`,
      );
      expect(claims.nonce === checks.expectedNonce, 'the ID token carries the nonce of the request');
      expect(typeof tokens.access_token === 'string', 'an access token is issued');
      expect(typeof tokens.refresh_token === 'string', 'offline_access yields a refresh token');
      context.tokens = tokens;
      context.claims = claims;
      return `sub=${claims.sub} alg=${alg}`;
    },
  ],
  [
    'userinfo with the access token carries the admin context',
    async (context) => {
      const { config, tokens, claims } = context;
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      expect(userinfo.preferred_username === ADMIN, `userinfo names ${ADMIN}, got ${userinfo.preferred_username}`);
      expect(
        Array.isArray(userinfo.bu_scopes) && userinfo.bu_scopes.includes('EMEA'),
        `userinfo carries the BU scopes, got ${JSON.stringify(userinfo.bu_scopes)}`,
      );
      expect(
        Array.isArray(userinfo.capabilities) && userinfo.capabilities.includes('approve-grants'),
        `userinfo carries the capabilities, got ${JSON.stringify(userinfo.capabilities)}`,
      );
      expect(
        JSON.stringify(userinfo.bu_scopes) === JSON.stringify(claims.bu_scopes),
        'userinfo and the ID token agree on the BU scopes',
      );
      return `bu_scopes=${userinfo.bu_scopes.join(',')} capabilities=${userinfo.capabilities.length}`;
    },
  ],
  [
    'refresh rotates the refresh token; reusing the old one revokes the whole grant',
    async (context) => {
      const { config, tokens, claims } = context;
      const original = tokens.refresh_token;
      const refreshed = await client.refreshTokenGrant(config, original);
      const rotated = refreshed.refresh_token;
      expect(typeof rotated === 'string', 'a refresh returns a new refresh token');
      expect(rotated !== original, 'the refresh token rotates');
      expect(refreshed.access_token !== tokens.access_token, 'a refresh issues a new access token');
      const refreshedClaims = refreshed.claims();
      if (refreshedClaims) expect(refreshedClaims.sub === claims.sub, 'a refreshed ID token keeps the subject');
      await expectOAuthError('invalid_grant', 'reusing the rotated-out refresh token', () =>
        client.refreshTokenGrant(config, original),
      );
      await expectOAuthError('invalid_grant', 'the newest refresh token after a reuse was detected', () =>
        client.refreshTokenGrant(config, rotated),
      );
    },
  ],
  [
    'revoking a refresh token (RFC 7009) ends its refreshes',
    async (context) => {
      const { config } = context;
      const tokens = await signInForTokens(config);
      await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
      await expectOAuthError('invalid_grant', 'refreshing with a revoked refresh token', () =>
        client.refreshTokenGrant(config, tokens.refresh_token),
      );
    },
  ],
  [
    'a wrong PKCE code_verifier is refused in the code grant',
    async (context) => {
      const { config } = context;
      const { url, checks } = await authorization(config);
      const callback = await signIn(url);
      await expectOAuthError('invalid_grant', 'the code grant with another code_verifier', () =>
        client.authorizationCodeGrant(config, callback, {
          ...checks,
          pkceCodeVerifier: client.randomPKCECodeVerifier(),
        }),
      );
    },
  ],
];

async function main() {
  const [issuerArgument] = process.argv.slice(2);
  if (!issuerArgument) {
    console.error('usage: node rp_check.mjs ISSUER');
    return 2;
  }
  if (!URL.canParse(issuerArgument)) {
    console.error(`FAIL usage: ${issuerArgument} is not a URL`);
    return 2;
  }
  const issuer = new URL(issuerArgument);
  // Plain http is allowed for the loopback sandbox only, never for a real provider.
  const loopback = issuer.protocol === 'http:' && issuer.hostname === '127.0.0.1';
  if (issuer.protocol !== 'https:' && !loopback) {
    console.error(`FAIL usage: plain http is only allowed for 127.0.0.1, not ${issuer.href}`);
    return 2;
  }
  // Non-repudiation checks make openid-client verify the ID token signature against the JWKS,
  // which it skips by default for tokens from the token endpoint over TLS.
  // Every URL openid-client fetches is recorded, so step 1 can prove the JWKS was read.
  const context = { fetched: [] };
  const recordFetches = (config) => {
    config[client.customFetch] = (url, options) => {
      context.fetched.push(String(url));
      return fetch(url, options);
    };
  };
  const execute = [
    recordFetches,
    client.enableNonRepudiationChecks,
    ...(loopback ? [client.allowInsecureRequests] : []),
  ];
  let current = 'discovery';
  try {
    context.config = await client.discovery(
      issuer,
      CLIENT_ID,
      { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' },
      client.None(),
      { execute },
    );
    for (const [name, run] of steps) {
      current = name;
      const detail = await run(context);
      console.log(`ok ${name}${detail ? ` (${detail})` : ''}`);
    }
  } catch (error) {
    console.log(`FAIL ${current}: ${error instanceof CheckFailure ? error.message : describe(error)}`);
    return 1;
  }
  console.log(`openid-client ${steps.length}/${steps.length} steps passed`);
  return 0;
}

process.exitCode = await main();
