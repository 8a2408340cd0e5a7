// The scripted LLM, driven with plain fetch the way an OpenAI-compatible client would.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replies, startScriptedLlm, type ChatTool, type ScriptedLlm } from '../fixtures/scripted-llm.ts';

interface Chunk {
  readonly id: string;
  readonly object: string;
  readonly choices: readonly {
    readonly delta: {
      readonly role?: string;
      readonly content?: string;
      readonly reasoning_content?: string;
      readonly tool_calls?: readonly { readonly index: number; readonly id?: string; readonly function: { readonly name?: string; readonly arguments?: string } }[];
    };
    readonly finish_reason: string | null;
  }[];
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number; readonly total_tokens: number };
}

interface Completion {
  readonly id: string;
  readonly object: string;
  readonly choices: readonly {
    readonly message: {
      readonly content: string | null;
      readonly reasoning_content?: string;
      readonly tool_calls?: readonly { readonly id: string; readonly function: { readonly name: string; readonly arguments: string } }[];
    };
    readonly finish_reason: string;
  }[];
  readonly usage: { readonly prompt_tokens: number; readonly completion_tokens: number; readonly total_tokens: number };
}

// Tool shapes as the agents really send them (recorded from qwen-code 0.24 and opencode 1.18).
const qwenTools: ChatTool[] = [
  tool('read_file', { absolute_path: 'string' }, ['absolute_path']),
  tool('edit', { file_path: 'string', old_string: 'string', new_string: 'string' }, ['file_path', 'old_string', 'new_string']),
  tool('write_file', { file_path: 'string', content: 'string', record_as_artifact: 'boolean' }, ['file_path', 'content']),
  tool('run_shell_command', { command: 'string', is_background: 'boolean', description: 'string' }, ['command']),
];
const opencodeTools: ChatTool[] = [
  tool('bash', { command: 'string', timeout: 'integer', workdir: 'string' }, ['command']),
  tool('read', { filePath: 'string' }, ['filePath']),
  tool('write', { content: 'string', filePath: 'string' }, ['content', 'filePath']),
];

describe('scripted LLM', () => {
  let llm: ScriptedLlm;

  beforeEach(async () => {
    llm = await startScriptedLlm();
  });

  afterEach(async () => {
    await llm.close();
  });

  it('lists its models at GET /v1/models', async () => {
    const response = await fetch(`${llm.url}/models`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { id: string }[] };
    expect(body.data.map((model) => model.id)).toEqual(['m']);
  });

  it('answers a plain text reply without streaming', async () => {
    llm.script(replies.text('Hello there.'));
    const completion = await complete(llm, { messages: [user('hi')], tools: opencodeTools });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.choices[0]?.message.content).toBe('Hello there.');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 });
  });

  it('streams a plain text reply as SSE chunks ending in [DONE], usage last when asked', async () => {
    llm.script(replies.text('Hello there, streaming.'));
    const { chunks, isDone } = await stream(llm, { messages: [user('hi')], tools: opencodeTools, stream_options: { include_usage: true } });
    expect(isDone).toBe(true);
    expect(contentOf(chunks)).toBe('Hello there, streaming.');
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length).toBeGreaterThan(1);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 });
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it('leaves usage out of a stream that did not ask for it', async () => {
    const { chunks } = await stream(llm, { messages: [user('hi')], tools: opencodeTools });
    expect(chunks.some((chunk) => chunk.usage !== undefined)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('streams reasoning_content before the text, and returns it whole without streaming', async () => {
    llm.script(replies.reasoning('Let me think about it.', 'The answer.'), replies.reasoning('Hmm.', 'Plain.'));
    const { chunks } = await stream(llm, { messages: [user('why?')], tools: opencodeTools });
    const reasoning = chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('');
    expect(reasoning).toBe('Let me think about it.');
    const firstText = chunks.findIndex((chunk) => chunk.choices[0]?.delta.content);
    const lastReasoning = chunks.findLastIndex((chunk) => chunk.choices[0]?.delta.reasoning_content);
    expect(lastReasoning).toBeLessThan(firstText);
    expect(contentOf(chunks)).toBe('The answer.');

    const completion = await complete(llm, { messages: [user('why?')], tools: opencodeTools });
    expect(completion.choices[0]?.message).toMatchObject({ reasoning_content: 'Hmm.', content: 'Plain.' });
  });

  it("calls opencode's write tool with arguments streamed in pieces, resolving a relative path", async () => {
    llm.script(replies.writeFile('notes/hello.txt', 'hi\n'));
    const system = { role: 'system', content: 'You are opencode.\n  Working directory: /tmp/project\n  Platform: linux' };
    const { chunks } = await stream(llm, { messages: [system, user('write it')], tools: opencodeTools });
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]?.function.name).toBe('write');
    expect(calls[0]?.id).toMatch(/^call-/);
    const pieces = calls.map((call) => call.function.arguments ?? '').filter((piece) => piece.length > 0);
    expect(pieces.length).toBeGreaterThan(1);
    expect(JSON.parse(pieces.join(''))).toEqual({ filePath: '/tmp/project/notes/hello.txt', content: 'hi\n' });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it("calls qwen's write_file with file_path, resolving against qwen's directory phrase", async () => {
    llm.script(replies.writeFile('hello.txt', 'hi\n'));
    const context = user("I'm currently working in the directory: /tmp/q-project\nHere is the folder structure");
    const completion = await complete(llm, { messages: [context, user('write it')], tools: qwenTools });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.function.name).toBe('write_file');
    expect(JSON.parse(call?.function.arguments ?? '{}')).toEqual({ file_path: '/tmp/q-project/hello.txt', content: 'hi\n' });
  });

  it('calls the shell tool the request offers, whatever its name', async () => {
    llm.script(replies.runCommand('ls -la'), replies.runCommand('pwd'));
    const qwen = await complete(llm, { messages: [user('list')], tools: qwenTools });
    const opencode = await complete(llm, { messages: [user('where')], tools: opencodeTools });
    const qwenCall = qwen.choices[0]?.message.tool_calls?.[0];
    const opencodeCall = opencode.choices[0]?.message.tool_calls?.[0];
    expect(qwenCall?.function.name).toBe('run_shell_command');
    expect(JSON.parse(qwenCall?.function.arguments ?? '{}')).toEqual({ command: 'ls -la' });
    expect(opencodeCall?.function.name).toBe('bash');
    expect(JSON.parse(opencodeCall?.function.arguments ?? '{}')).toEqual({ command: 'pwd' });
  });

  it("answers the tool result with the call's scripted follow-up, then the script resumes", async () => {
    llm.script(replies.writeFile('/tmp/x.txt', 'x', replies.text('Written.')), replies.text('Next turn.'));
    const first = await complete(llm, { messages: [user('write')], tools: opencodeTools });
    const callId = first.choices[0]?.message.tool_calls?.[0]?.id ?? '';
    const history = [user('write'), { role: 'assistant', content: null, tool_calls: first.choices[0]?.message.tool_calls }];
    const followUp = await complete(llm, { messages: [...history, { role: 'tool', tool_call_id: callId, content: 'ok' }], tools: opencodeTools });
    expect(followUp.choices[0]?.message.content).toBe('Written.');
    expect(llm.requests.at(-1)?.source).toBe('tool-follow-up');
    const next = await complete(llm, { messages: [user('again')], tools: opencodeTools });
    expect(next.choices[0]?.message.content).toBe('Next turn.');
  });

  it('fails with 400 and records why when the request offers no matching tool', async () => {
    llm.script(replies.runCommand('ls'));
    const response = await post(llm, { messages: [user('ls')], tools: [tool('read', { filePath: 'string' }, ['filePath'])] });
    expect(response.status).toBe(400);
    expect(llm.requests.at(-1)?.error).toMatch(/no shell tool among \[read\]/);
  });

  it('stops a slow stream when the client disconnects, and records that it did', async () => {
    llm.script(replies.slow(100, 20));
    const abort = new AbortController();
    const response = await post(llm, { messages: [user('slow')], tools: opencodeTools, stream: true }, abort.signal);
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    let received = '';
    while ((received.match(/chunk \d+\./g) ?? []).length < 2) {
      const { value, done } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
    abort.abort();
    const record = await llm.waitForRequest((request) => request.outcome !== 'pending');
    expect(record.outcome).toBe('client-disconnected');
    expect(record.chunksSent).toBeGreaterThanOrEqual(3);
    expect(record.chunksSent).toBeLessThan(100);
  });

  it('sends a full slow reply when the client waits', async () => {
    llm.script(replies.slow(3, 5, 'tick'));
    const { chunks, isDone } = await stream(llm, { messages: [user('slow')], tools: opencodeTools });
    expect(isDone).toBe(true);
    expect(contentOf(chunks)).toBe('tick 1. tick 2. tick 3. ');
  });

  it('answers a scripted HTTP 500', async () => {
    llm.script(replies.error(500, 'boom'));
    const response = await post(llm, { messages: [user('fail')], tools: opencodeTools, stream: true });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe('boom');
    expect(llm.requests.at(-1)?.outcome).toBe('failed');
  });

  it('hangs until the client disconnects', async () => {
    llm.script(replies.hang());
    const abort = new AbortController();
    const pending = post(llm, { messages: [user('hang')], tools: opencodeTools, stream: true }, abort.signal);
    await llm.waitForRequest((request) => request.reply?.kind === 'hang');
    abort.abort();
    await expect(pending).rejects.toThrow();
    const record = await llm.waitForRequest((request) => request.outcome !== 'pending');
    expect(record.outcome).toBe('client-disconnected');
    expect(record.chunksSent).toBe(0);
  });

  it('hangs until the server closes', async () => {
    llm.script(replies.hang());
    const pending = post(llm, { messages: [user('hang')], tools: opencodeTools });
    const record = await llm.waitForRequest((request) => request.reply?.kind === 'hang');
    await llm.close();
    await expect(pending).rejects.toThrow();
    expect(record.outcome).toBe('server-closed');
  });

  it('answers by rule when the last user message carries its tag, before the queue', async () => {
    llm.script(replies.text('from the queue'));
    llm.addRule({ match: '[write hello.txt]', reply: replies.text('from the rule'), times: 1 });
    llm.addRule({ match: /\[echo (\w+)\]/, reply: (request) => replies.text(`echo ${/\[echo (\w+)\]/.exec(request.lastUserText)?.[1]}`) });
    const wrapped = user('<system-reminder>today is Sunday</system-reminder>\nplease [write hello.txt] now');
    expect(await textOf(llm, [wrapped])).toBe('from the rule');
    expect(await textOf(llm, [wrapped])).toBe('from the queue');
    expect(await textOf(llm, [user('[echo banana]')])).toBe('echo banana');
    expect(await textOf(llm, [user('[echo kiwi]')])).toBe('echo kiwi');
    expect(await textOf(llm, [user('nothing scripted')])).toBe('OK.');
    expect(llm.requests.map((request) => request.source)).toEqual(['rule', 'queue', 'rule', 'rule', 'default']);
  });

  it('gives side calls a short reply without consuming the script', async () => {
    llm.script(replies.text('the real turn'));
    const title = await complete(llm, { messages: [{ role: 'system', content: 'You are a title generator.' }, user('[write a.txt]')] });
    expect(title.choices[0]?.message.content).toBe('Scripted side reply');
    const json = await complete(llm, { messages: [user('next speaker?')], response_format: { type: 'json_object' } });
    expect(json.choices[0]?.message.content).toBe('{}');
    const suggestion = await complete(llm, { messages: [user('hi'), { role: 'assistant', content: 'hello' }, user('[SUGGESTION MODE: Suggest what the user might type next.]')], tools: qwenTools });
    expect(suggestion.choices[0]?.message.content).toBe('Scripted side reply');
    expect(await textOf(llm, [user('go')])).toBe('the real turn');
    expect(llm.requests.map((request) => request.source)).toEqual(['side-call', 'side-call', 'side-call', 'queue']);
    expect(llm.turnRequests).toHaveLength(1);
  });

  it('gives every completion a unique id', async () => {
    const ids = new Set<string>();
    for (let index = 0; index < 5; index += 1) {
      ids.add((await complete(llm, { messages: [user(`n${index}`)], tools: opencodeTools })).id);
      const { chunks } = await stream(llm, { messages: [user(`s${index}`)], tools: opencodeTools });
      ids.add(chunks[0]?.id ?? '');
    }
    expect(ids.size).toBe(10);
    expect([...ids].every((id) => id.startsWith('chatcmpl-'))).toBe(true);
  });

  it('records every request and sums the usage it reported', async () => {
    llm.script(replies.text('one', { prompt: 7, completion: 3 }), replies.text('two'));
    const before = Date.now();
    await complete(llm, { model: 'm', messages: [user('first')], tools: opencodeTools });
    await stream(llm, { model: 'm', messages: [user('second')], tools: opencodeTools });
    await complete(llm, { messages: [user('title please')] });
    await fetch(`${llm.url}/nowhere`);
    expect(llm.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /v1/chat/completions',
      'POST /v1/chat/completions',
      'POST /v1/chat/completions',
      'GET /v1/nowhere',
    ]);
    const [first, second] = llm.requests;
    expect(first?.body?.messages?.[0]).toEqual(user('first'));
    expect(first?.toolNames).toEqual(['bash', 'read', 'write']);
    expect(first?.lastUserText).toBe('first');
    expect(second?.isStreaming).toBe(true);
    expect(first?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(llm.requests.at(-1)?.source).toBe('not-found');
    expect(llm.totalUsage((request) => request.source !== 'side-call')).toEqual({ prompt_tokens: 107, completion_tokens: 23, total_tokens: 130 });
    expect(llm.totalUsage().total_tokens).toBe(130 + 12);
  });
});

function tool(name: string, properties: Record<string, string>, required: string[]): ChatTool {
  const typed = Object.fromEntries(Object.entries(properties).map(([key, type]) => [key, { type }]));
  return { type: 'function', function: { name, parameters: { properties: typed, required } } };
}

function user(content: string): { role: 'user'; content: string } {
  return { role: 'user', content };
}

function post(llm: ScriptedLlm, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${llm.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
    body: JSON.stringify({ model: 'm', ...body }),
    signal,
  });
}

async function complete(llm: ScriptedLlm, body: Record<string, unknown>): Promise<Completion> {
  const response = await post(llm, { ...body, stream: false });
  expect(response.status).toBe(200);
  return (await response.json()) as Completion;
}

async function textOf(llm: ScriptedLlm, messages: unknown[]): Promise<string | null | undefined> {
  return (await complete(llm, { messages, tools: opencodeTools })).choices[0]?.message.content;
}

async function stream(llm: ScriptedLlm, body: Record<string, unknown>): Promise<{ chunks: Chunk[]; isDone: boolean }> {
  const response = await post(llm, { ...body, stream: true });
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const lines = (await response.text()).split('\n').filter((line) => line.startsWith('data: '));
  const payloads = lines.map((line) => line.slice('data: '.length));
  const isDone = payloads.at(-1) === '[DONE]';
  const chunks = payloads.filter((payload) => payload !== '[DONE]').map((payload) => JSON.parse(payload) as Chunk);
  return { chunks, isDone };
}

function contentOf(chunks: readonly Chunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
}
