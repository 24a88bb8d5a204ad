import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import express, { type Response, type Router } from 'express';

/** The page's sources: `index.html`, `office.css` and the TypeScript under `src/` (see its README section). */
const PAGE_DIR = fileURLToPath(new URL('../../../office-page/', import.meta.url));

interface Asset {
  path: string;
  type: string;
  body: Buffer;
}

/** Content-addressed name: a new build gets a new URL, so assets may be cached for good. */
function asset(name: string, extension: string, type: string, body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/office/${name}.${hash}.${extension}`, type, body };
}

/** Bundles the page's TypeScript into one minified script, in memory (esbuild, the compiler tsx runs on). */
async function bundleScript(): Promise<Buffer> {
  const result = await build({
    entryPoints: [`${PAGE_DIR}src/main.ts`],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('office page: esbuild produced no output');
  return Buffer.from(output.contents);
}

/**
 * The school office's page: `GET /` (sign-in, or an admin's choice of
 * school) and `GET /schools/:id` when a browser asks for HTML (the same path
 * answers JSON to API clients), plus its script and stylesheet. The HTML
 * holds no data and needs no credential: the page reads the JSON API with
 * the staff token the user signs in with (kept in sessionStorage), so every
 * figure is authorised by the API itself. Built once at start-up (about
 * 50 ms): no build step, no separate web server.
 */
export async function officePageRoutes(): Promise<Router> {
  const [script, css, template] = await Promise.all([bundleScript(), readFile(`${PAGE_DIR}office.css`), readFile(`${PAGE_DIR}index.html`, 'utf8')]);
  const assets = [asset('office', 'js', 'text/javascript; charset=utf-8', script), asset('office', 'css', 'text/css; charset=utf-8', css)];
  const [scriptAsset, cssAsset] = assets as [Asset, Asset];
  const html = Buffer.from(template.replace('{{script}}', scriptAsset.path).replace('{{stylesheet}}', cssAsset.path));

  const sendPage = (res: Response): void => {
    // The shell changes with every deployment (asset names): never cached.
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(html);
  };

  const router = express.Router();
  router.get('/', (_req, res) => sendPage(res));
  router.get('/schools/:id', (req, res, next) => {
    // Browsers navigating ask for text/html first; API clients (fetch with Accept: application/json, curl's */*) get the JSON route.
    if (req.accepts(['json', 'html']) === 'html') sendPage(res);
    else next();
  });
  for (const { path, type, body } of assets) {
    router.get(path, (_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.type(type).send(body);
    });
  }
  return router;
}
