import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import { invalidRequest } from '../errors/gateway-error';

/** A BOLT11 payment request as the page may ask a QR code of: bech32 characters after `ln`, bounded in length. */
const PAYMENT_REQUEST = /^ln[a-z0-9]{10,2000}$/i;

/** `GET /topup/qr.svg?payment_request=…`: the invoice as a QR code (SVG drawn here; the page loads nothing else). */
export async function topupQrHandler(request: Request, response: Response): Promise<void> {
  const paymentRequest = typeof request.query['payment_request'] === 'string' ? request.query['payment_request'] : '';
  if (!PAYMENT_REQUEST.test(paymentRequest)) throw invalidRequest('payment_request must be a BOLT11 invoice.', 'payment_request');
  // Upper case is BOLT11's QR-friendly form (alphanumeric mode); wallets read either.
  const svg = await QRCode.toString(`lightning:${paymentRequest.toUpperCase()}`, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  response.type('image/svg+xml').set('cache-control', 'no-store').send(svg);
}

/** `GET /topup`: a page where a person buys a spend token — amount, invoice (QR + text), then the token once paid. */
export function topupPageHandler(_request: Request, response: Response): void {
  response
    .type('html')
    .set({ 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'" })
    .send(TOPUP_PAGE);
}

const TOPUP_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tollgate — buy a spend token</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
  input, button { font: inherit; padding: .5rem; }
  code, textarea { font-family: ui-monospace, monospace; word-break: break-all; }
  textarea { width: 100%; height: 6rem; }
  img { width: 18rem; height: 18rem; display: block; margin: 1rem 0; }
  .error { color: #b00020; }
  [hidden] { display: none; }
</style>
</head>
<body>
<h1>Buy a spend token</h1>
<form id="buy">
  <label>Amount in satoshis <input id="amount" type="number" min="1" step="1" value="5000" required></label>
  <button type="submit">Get an invoice</button>
</form>
<p id="error" class="error" role="alert"></p>
<section id="invoice" hidden>
  <p>Pay <strong id="sats"></strong> sats (<span id="usd"></span> USD of credit) with any Lightning wallet:</p>
  <img id="qr" alt="The invoice as a QR code">
  <textarea id="bolt11" readonly></textarea>
  <p id="status">Waiting for the payment…</p>
</section>
<section id="token" hidden>
  <p>Paid. Your spend token (shown once — keep it):</p>
  <p><code id="spend-token"></code></p>
  <p>Balance: <span id="balance"></span> USD · expires <span id="expires"></span></p>
  <p>Use it as <code>X-Spend-Token</code> on <code>POST /v1/messages</code>, or as <code>Authorization: Bearer</code>.</p>
</section>
<script>
const $ = (id) => document.getElementById(id);
const errorText = (body, status) => (typeof body.error === 'string' ? body.error : body.error && body.error.message) || 'HTTP ' + status;
async function post(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}
async function poll(chargeId) {
  const { status, body } = await post('/v1/tokens', { charge_id: chargeId });
  if (status === 402) return setTimeout(() => poll(chargeId), 2000);
  if (status !== 200) { $('status').textContent = errorText(body, status); return; }
  $('invoice').hidden = true;
  $('token').hidden = false;
  $('spend-token').textContent = body.spend_token || '(already shown)';
  $('balance').textContent = body.balance_usd || '—';
  $('expires').textContent = body.expires_at || 'never';
}
$('buy').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').textContent = '';
  const { status, body } = await post('/v1/topup', { amount_sats: Number($('amount').value) });
  if (status !== 402) { $('error').textContent = errorText(body, status); return; }
  $('sats').textContent = body.amount_sats;
  $('usd').textContent = body.amount_usd;
  $('bolt11').value = body.payment_request;
  $('qr').src = '/topup/qr.svg?payment_request=' + encodeURIComponent(body.payment_request);
  $('invoice').hidden = false;
  poll(body.charge_id);
});
</script>
</body>
</html>
`;
