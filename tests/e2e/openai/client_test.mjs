// End-to-end test of `sinkstream serve` with the official `openai` npm client.
// Usage: node client_test.mjs BASE_URL API_KEY MODEL_ID
// Oracles: the server's own answers cross-checked between modes (a greedy stream
// concatenates to the non-streamed text; a stop string cuts the unstopped text
// at its first occurrence), the OpenAI wire format (chunk objects, usage), and
// the client's typed errors.
import OpenAI from 'openai';
import assert from 'node:assert/strict';

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const messages = [
  { role: 'system', content: 'You tell short stories.' },
  { role: 'user', content: 'Once upon a time there was a little fox.' },
];
let checks = 0;
async function check(name, fn) {
  await fn();
  checks += 1;
  console.log(`ok ${checks} - ${name}`);
}

await check('models.list names the served model', async () => {
  const list = await client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), [model]);
});

let greedy;
await check('chat, not streamed: text, finish_reason, usage', async () => {
  const r = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 24 });
  assert.equal(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  assert.ok(r.usage.prompt_tokens > 0);
  assert.ok(r.usage.completion_tokens > 0 && r.usage.completion_tokens <= 24);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  greedy = r;
});

await check('chat, streamed: role delta first, same greedy text, finish chunk, usage chunk', async () => {
  const stream = await client.chat.completions.create({
    model, messages, temperature: 0, max_tokens: 24, stream: true, stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  assert.ok(chunks.length >= 3);
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id));
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const withChoices = chunks.filter((c) => c.choices.length > 0);
  const text = withChoices.map((c) => c.choices[0].delta.content ?? '').join('');
  assert.equal(text, greedy.choices[0].message.content);
  const last = withChoices[withChoices.length - 1];
  assert.equal(last.choices[0].finish_reason, greedy.choices[0].finish_reason);
  const usage = chunks[chunks.length - 1];
  assert.deepEqual(usage.choices, []);
  assert.deepEqual(usage.usage, greedy.usage);
  assert.equal(usage.usage.prompt_tokens_details.cached_tokens, 0);  // stateless: nothing held
});

await check('stop sequence: the text ends before the first occurrence', async () => {
  const full = greedy.choices[0].message.content;
  // A two-character stop taken from the middle of the unstopped text.
  const at = Math.max(1, Math.floor(full.length / 2));
  const stop = full.slice(at, at + 2);
  assert.ok(stop.length === 2, `greedy text too short: ${JSON.stringify(full)}`);
  const r = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 24, stop: [stop] });
  assert.equal(r.choices[0].message.content, full.slice(0, full.indexOf(stop)));
  assert.equal(r.choices[0].finish_reason, 'stop');
  const s = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 24, stop, stream: true });
  let streamed = '';
  for await (const c of s) streamed += c.choices[0]?.delta?.content ?? '';
  assert.equal(streamed, r.choices[0].message.content);
});

await check('multi-turn session: only new messages are fed, state is kept', async () => {
  const session = `e2e-${Date.now()}`;
  const opts = { headers: { 'X-Session-Id': session } };
  const t1 = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 16 }, opts);
  const info1 = await client.get(`/sessions/${session}`);
  assert.equal(info1.turns, 1);
  const history = [...messages, { role: 'assistant', content: t1.choices[0].message.content },
    { role: 'user', content: 'What did the fox eat?' }];
  const t2 = await client.chat.completions.create({ model, messages: history, temperature: 0, max_tokens: 16 }, opts);
  const info2 = await client.get(`/sessions/${session}`);
  assert.equal(info2.turns, 2);
  // Turn 2 fed only what turn 1 had not: its whole first prompt was held.
  assert.equal(t1.usage.prompt_tokens_details.cached_tokens, 0);
  assert.ok(t2.usage.prompt_tokens_details.cached_tokens >= t1.usage.prompt_tokens,
    JSON.stringify([t1.usage, t2.usage]));
  assert.ok(info2.position > info1.position);
  // The stateless answer to the same conversation is the same text (greedy).
  const fresh = await client.chat.completions.create({ model, messages: history, temperature: 0, max_tokens: 16 });
  assert.equal(t2.choices[0].message.content, fresh.choices[0].message.content);
  // A third turn sending only the new message continues the same session.
  const t3 = await client.chat.completions.create(
    { model, messages: [{ role: 'user', content: 'And then?' }], temperature: 0, max_tokens: 8 }, opts);
  assert.equal(typeof t3.choices[0].message.content, 'string');
  assert.equal((await client.get(`/sessions/${session}`)).turns, 3);
  const listed = await client.get('/sessions');
  assert.ok(listed.data.some((s) => s.id === session));
  await client.delete(`/sessions/${session}`);
  await assert.rejects(client.get(`/sessions/${session}`), (e) => e.status === 404);
});

await check('completions, streamed and not', async () => {
  const r = await client.completions.create({ model, prompt: 'The little fox', temperature: 0, max_tokens: 12 });
  assert.equal(r.object, 'text_completion');
  assert.equal(typeof r.choices[0].text, 'string');
  const s = await client.completions.create({ model, prompt: 'The little fox', temperature: 0, max_tokens: 12, stream: true });
  let text = '';
  for await (const c of s) text += c.choices[0]?.text ?? '';
  assert.equal(text, r.choices[0].text);
});

await check('errors surface as the client\'s typed errors', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404);
  await assert.rejects(client.chat.completions.create({ model, messages, temperature: 7 }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && e.param === 'temperature');
  await assert.rejects(client.chat.completions.create({ model, messages: [{ role: 'wizard', content: 'x' }] }),
    (e) => e instanceof OpenAI.BadRequestError);
  const wrongKey = new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(wrongKey.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});

console.log(`openai client e2e: ${checks} checks passed`);
