// An independent OpenID Provider for Bailiwick's sign-in tests: npm `oidc-provider` (OpenID
// Certified), configured like an enterprise IAM would be for Bailiwick's native client, and
// listening on 127.0.0.1 only.
//
//   node server.mjs [PORT]        (or PORT=... node server.mjs; 0 picks a free port)
//
// Prints `listening on http://127.0.0.1:P` once it accepts connections; tests wait for that line.
//
// Sign-in is headless on purpose: the interaction route below finishes login and consent by
// itself, so a "browser" that only follows redirects with a cookie jar completes a sign-in.
// The account is the `login_hint` of the authorization request (a stand-in browser may append
// it to the URL it is given), else $OIDC_PEER_ACCOUNT, else ada.emea. An unknown account ends
// the interaction with `access_denied`, which lets tests see a provider error.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const CLIENT_ID = 'bailiwick-desktop';

// The admin context lives in custom claims (DESIGN.md). The accounts cover the shapes Bailiwick
// must read: JSON arrays, space-separated strings, and claims that only userinfo carries.
const ACCOUNTS = {
  'ada.emea': {
    name: 'Ada Emea',
    bu_scopes: ['EMEA'],
    capabilities: ['manage-users', 'manage-roles', 'issue-grants', 'approve-grants', 'review', 'audit'],
  },
  'ravi.apac': {
    name: 'Ravi Apac',
    bu_scopes: ['APAC/IN'],
    capabilities: ['manage-users', 'manage-roles', 'issue-grants'],
  },
  'paula.partners': {
    name: 'Paula Partners',
    bu_scopes: 'AMER',
    capabilities: 'issue-grants',
  },
  'cora.compliance': {
    name: 'Cora Compliance',
    bu_scopes: ['EMEA'],
    capabilities: ['review', 'audit'],
    userinfoOnly: true,
  },
};

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const defaultAccount = process.env.OIDC_PEER_ACCOUNT ?? 'ada.emea';

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'peer-rs256', use: 'sig', alg: 'RS256' };
}

function configuration() {
  return {
    clients: [
      {
        client_id: CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        // RFC 8252 §7.3: any port on the loopback address is accepted for this redirect.
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // Custom claims land in the ID token only with this off (RECIPES.md).
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub', 'bu_scopes', 'capabilities'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims(use) {
          const claims = {
            sub: id,
            preferred_username: id,
            name: account.name,
            email: `${id}@example.com`,
            email_verified: true,
          };
          if (!(account.userinfoOnly && use === 'id_token')) {
            claims.bu_scopes = account.bu_scopes;
            claims.capabilities = account.capabilities;
          }
          return claims;
        },
      };
    },
  };
}

async function finishInteraction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;

  if (prompt.name === 'login') {
    const accountId = params.login_hint ?? defaultAccount;
    if (!ACCOUNTS[accountId]) {
      return provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: `no such account: ${accountId}`,
      });
    }
    return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
  }

  if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  res.statusCode = 400;
  res.end(`unexpected prompt: ${prompt.name}`);
}

// Listen first so that the issuer can name the real port (PORT may be 0).
const server = createServer();
// Node answers malformed requests itself; say why, so a failing test can show it.
server.on('clientError', (err, socket) => {
  console.error(`client error: ${err.code ?? err.message}`);
  socket.destroy();
});
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  const providerHandler = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      finishInteraction(provider, req, res).catch((err) => {
        console.error('interaction failed:', err);
        res.statusCode = 500;
        res.end(String(err));
      });
    } else {
      providerHandler(req, res);
    }
  });
  console.log(`listening on ${issuer}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
