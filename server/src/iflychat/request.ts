/**
 * The one way to call iFlyChat, {@link createRequester}: `POST {baseUrl}{path}` under the rules
 * of the boundary: the base URL the key was saved with, a whole-call deadline (an abort signal,
 * not a silence timeout), a cap on the answer's size, the plugin's own HTTPS agent with
 * certificate checking on, no proxy unless one is configured, and the key redacted from anything
 * an error keeps. API 1.1 takes JSON bodies, API 1.0 form-encoded ones; both answer JSON.
 */
import http from 'node:http';
import https from 'node:https';

import axios, { type AxiosError, type AxiosInstance, type AxiosProxyConfig } from 'axios';

import { DEFAULT_MAX_RESPONSE_BYTES, type ApiVersion } from '../../../contracts/config';
import { redactSecret, sanitizeReason } from '../utils/sanitize';
import { PLUGIN_VERSION } from '../version';
import { IflychatApiError, IflychatRequestError, IflychatTimeoutError } from './errors';

export interface IflychatClientOptions {
  apiKey: string;
  apiVersion: ApiVersion;
  baseUrl: string;
  /** The whole call, connection to last byte, ends after this long. */
  timeoutMs: number;
  /** Largest answer read, in bytes (default 1 MB); a longer one is an invalid answer. */
  maxResponseBytes?: number;
  /** The same for `rooms/list`, which grows with the account (default 16 MB). */
  maxListResponseBytes?: number;
  /** An http(s) proxy URL; without it no proxy is used, whatever the environment says. */
  proxy?: string;
}

export interface RequestOptions {
  /** Overrides the answer size cap for this call. */
  maxResponseBytes?: number;
}

export const USER_AGENT = `strapi-plugin-iflychat/${PLUGIN_VERSION}`;

/** Connection errors that prove the request never left this machine. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_INVALID_URL',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const MAX_BODY_CHARS = 500;

/**
 * The plugin's own HTTPS agent: certificates are always checked here, whatever
 * `NODE_TLS_REJECT_UNAUTHORIZED` or another module sets for the process's default agent.
 */
export function createHttpsAgent(): https.Agent {
  return new https.Agent({ rejectUnauthorized: true, keepAlive: true, minVersion: 'TLSv1.2' });
}

/** axios' proxy setting: the configured proxy, or none at all (never the environment's). */
export function proxyConfig(proxy: string | undefined): AxiosProxyConfig | false {
  if (!proxy) return false;
  const url = new URL(proxy);
  return {
    protocol: url.protocol.replace(/:$/, ''),
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    ...(url.username
      ? {
          auth: {
            username: decodeURIComponent(url.username),
            password: decodeURIComponent(url.password),
          },
        }
      : {}),
  };
}

/**
 * A connection pool of the client's own for plain http (loopback only): a client never reuses
 * a socket another client (another Strapi in the same process, older settings) left open.
 */
export function createHttpAgent(): http.Agent {
  return new http.Agent({ keepAlive: true });
}

/** Body fields of a call; an object value (`user_roles`) is nested. */
export type RequestParams = Record<string, string | Record<string, string> | undefined>;

/** One axios instance per configuration (base URL, timeout, User-Agent), no global interceptors. */
function createAxios(options: IflychatClientOptions, maxResponseBytes: number): AxiosInstance {
  return axios.create({
    baseURL: options.baseUrl,
    // The deadline is the abort signal in the request; this only catches a silent socket sooner.
    timeout: options.timeoutMs,
    headers: { 'User-Agent': USER_AGENT, Accept: 'application/json' },
    // Statuses and bodies are interpreted by the request, so axios hands over every answer as text.
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxRedirects: 0,
    maxContentLength: maxResponseBytes,
    httpAgent: createHttpAgent(),
    httpsAgent: createHttpsAgent(),
    proxy: proxyConfig(options.proxy),
  });
}

/** The body of a call: `api_key` and the fields, as JSON (API 1.1) or form-encoded (API 1.0). */
function requestBody(version: ApiVersion, apiKey: string, params: RequestParams) {
  const fields: Record<string, string | Record<string, string>> = { api_key: apiKey };
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && key !== 'api_key') fields[key] = value;
  }
  return version === '1.0'
    ? { body: formEncode(fields), contentType: 'application/x-www-form-urlencoded' }
    : { body: fields, contentType: 'application/json' };
}

export function createRequester(options: IflychatClientOptions) {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const api = createAxios(options, maxResponseBytes);

  /** What an error keeps of an answer: redacted, without control characters, and short. */
  function excerpt(text: string): string {
    return sanitizeReason(redactSecret(text, options.apiKey)).slice(0, MAX_BODY_CHARS);
  }

  /**
   * `POST {baseUrl}{path}` with `api_key` and the fields, as JSON (API 1.1) or form-encoded
   * (API 1.0); the parsed JSON answer, or a typed error.
   */
  async function request(
    path: string,
    params: RequestParams,
    requestOptions: RequestOptions = {}
  ): Promise<unknown> {
    if (!path.startsWith('/') || path.startsWith('//') || /[?#]/.test(path)) {
      throw new Error(`iFlyChat paths start with one "/" and have no query: ${path}`);
    }
    const { body, contentType } = requestBody(options.apiVersion, options.apiKey, params);
    const cap = requestOptions.maxResponseBytes ?? maxResponseBytes;

    // The whole call ends at timeoutMs: a server that drips one byte at a time cannot keep it
    // open longer.
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), options.timeoutMs);
    let response;
    try {
      response = await api.post<string>(path, body, {
        headers: { 'Content-Type': contentType },
        signal: controller.signal,
        maxContentLength: cap,
      });
    } catch (error) {
      throw toNetworkError(error as AxiosError, path, options.timeoutMs, cap);
    } finally {
      clearTimeout(deadline);
    }

    const text = typeof response.data === 'string' ? response.data : '';
    if (response.status < 200 || response.status >= 300) {
      throw new IflychatApiError({
        path,
        status: response.status,
        body: excerpt(text),
        retryAfterSeconds: parseRetryAfter(response.headers['retry-after']),
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new IflychatApiError({
        path,
        status: response.status,
        body: excerpt(text),
        invalidAnswer: true,
        message: `iFlyChat answered ${path} with a body that is not JSON (HTTP ${response.status})`,
      });
    }
  }

  /** The error for a JSON answer that lacks `what`. */
  function invalid(path: string, status: number, answer: unknown, what: string): IflychatApiError {
    return new IflychatApiError({
      path,
      status,
      body: excerpt(JSON.stringify(answer) ?? ''),
      invalidAnswer: true,
      message: `iFlyChat answered ${path} without ${what}`,
    });
  }

  return { maxResponseBytes, request, invalid };
}

/** A form body as PHP builds it: an object value becomes `key[sub]=value`. */
function formEncode(fields: Record<string, string | Record<string, string>>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') form.append(key, value);
    else for (const [sub, item] of Object.entries(value)) form.append(`${key}[${sub}]`, item);
  }
  return form.toString();
}

export function parseRetryAfter(header: unknown): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - Date.now()) / 1000);
}

function toNetworkError(error: AxiosError, path: string, timeoutMs: number, cap: number) {
  const code = error.code;
  const sent = !(code && NOT_SENT_CODES.has(code));
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') {
    return new IflychatTimeoutError({ path, timeoutMs, sent });
  }
  if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(error.message)) {
    // The call was carried out; only its answer was too long to read.
    return new IflychatApiError({
      path,
      status: error.response?.status ?? 200,
      body: '',
      invalidAnswer: true,
      message: `iFlyChat answered ${path} with more than ${cap} bytes; the answer was cut off`,
    });
  }
  // axios' message for network failures is the system error ("connect ECONNREFUSED 127.0.0.1:9"),
  // which names the host but never the request body.
  return new IflychatRequestError({
    path,
    code,
    message: sanitizeReason(error.message || String(code)),
    sent,
  });
}
