// ACP session/update → the normalized AgentEvent union. Tool calls arrive as a `tool_call`
// followed by partial `tool_call_update`s; the tracker merges them so every event carries the
// whole call as now known. An update this version does not know is reported, never fatal.
import type * as acp from '@agentclientprotocol/sdk/unstable';
import type { AgentEvent, ConfigOption, ToolCallSnapshot } from '../../../shared/agents.ts';

export interface UpdateMapper {
  map(update: acp.SessionUpdate): AgentEvent | undefined;
}

export function createUpdateMapper(onUnknown: (kind: string) => void): UpdateMapper {
  const calls = new Map<string, ToolCallSnapshot>();
  return {
    map(update) {
      switch (update.sessionUpdate) {
        case 'agent_message_chunk':
          return textOf(update.content, (delta) => ({ kind: 'text', delta }));
        case 'agent_thought_chunk':
          return textOf(update.content, (delta) => ({ kind: 'reasoning', delta }));
        case 'user_message_chunk':
          return undefined; // the prompt echoed back (or replayed on load): already stored as the user's part
        case 'tool_call': {
          const call = mergeCall(undefined, update);
          calls.set(call.id, call);
          return { kind: 'tool-call', call };
        }
        case 'tool_call_update': {
          const call = mergeCall(calls.get(update.toolCallId), update);
          calls.set(call.id, call);
          return { kind: 'tool-call', call };
        }
        case 'plan':
          return { kind: 'plan', entries: update.entries.map((entry) => ({ content: entry.content, priority: entry.priority, status: entry.status })) };
        case 'available_commands_update':
          return {
            kind: 'commands',
            commands: update.availableCommands.map((command) => ({
              name: command.name,
              description: command.description,
              hint: command.input && 'hint' in command.input ? String(command.input.hint) : null,
            })),
          };
        case 'current_mode_update':
          return { kind: 'mode', modeId: update.currentModeId, available: null };
        case 'config_option_update':
          return { kind: 'config-options', options: update.configOptions.map(toConfigOption) };
        case 'session_info_update':
          return update.title === undefined ? undefined : { kind: 'session-info', title: update.title ?? null };
        case 'usage_update':
          return {
            kind: 'usage',
            usage: {
              inputTokens: null,
              outputTokens: null,
              contextUsed: update.used,
              contextSize: update.size,
              costAmount: update.cost?.amount ?? null,
              costCurrency: update.cost?.currency ?? null,
            },
          };
        case 'notice':
          return {
            kind: 'notice',
            level: update.severity === 'error' ? 'error' : update.severity === 'warning' ? 'warning' : 'info',
            message: update.description ? `${update.title}: ${update.description}` : update.title,
          };
        default:
          onUnknown(update.sessionUpdate);
          return undefined;
      }
    },
  };
}

function textOf(content: acp.ContentBlock, make: (delta: string) => AgentEvent): AgentEvent | undefined {
  if (content.type === 'text') return make(content.text);
  if (content.type === 'resource_link') return make(`[${content.name}](${content.uri})`);
  return undefined; // images and audio are not shown as text
}

function mergeCall(previous: ToolCallSnapshot | undefined, update: acp.ToolCall | acp.ToolCallUpdate): ToolCallSnapshot {
  return {
    id: update.toolCallId,
    title: update.title ?? previous?.title ?? 'Tool call',
    kind: update.kind ?? previous?.kind ?? 'other',
    status: update.status ?? previous?.status ?? 'pending',
    input: update.rawInput !== undefined ? update.rawInput : previous?.input,
    output: update.rawOutput !== undefined ? update.rawOutput : previous?.output,
    content: update.content ? update.content.flatMap(toContent) : (previous?.content ?? []),
    locations: update.locations ? update.locations.map((location) => ({ path: location.path, line: location.line ?? null })) : (previous?.locations ?? []),
  };
}

function toContent(content: acp.ToolCallContent): ToolCallSnapshot['content'] {
  switch (content.type) {
    case 'content':
      return content.content.type === 'text' ? [{ type: 'text', text: content.content.text }] : [];
    case 'diff':
      return [{ type: 'diff', path: content.path, oldText: content.oldText ?? null, newText: content.newText }];
    case 'terminal':
      return [{ type: 'terminal', terminalId: content.terminalId }];
    default:
      return [];
  }
}

export function toConfigOption(option: acp.SessionConfigOption): ConfigOption {
  if (option.type === 'select') {
    const flat = option.options.flatMap((entry) => ('options' in entry ? entry.options : [entry]));
    return {
      id: option.id,
      name: option.name,
      category: option.category ?? null,
      currentValue: String(option.currentValue),
      options: flat.map((entry) => ({ value: entry.value, name: entry.name })),
    };
  }
  return {
    id: option.id,
    name: option.name,
    category: option.category ?? null,
    currentValue: String(option.currentValue),
    options: [
      { value: 'true', name: 'On' },
      { value: 'false', name: 'Off' },
    ],
  };
}
