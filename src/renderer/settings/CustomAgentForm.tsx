// Add or edit one of the user's own ACP agents: a name, the command and its arguments, and
// environment variables. Checked field by field with the contract's schema as the user types
// (the rules `boocode agents add` applies), and by the core again when saved.
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { agentIdFromName, CustomAgentSchema, parseEnvAssignments, type AgentDescriptor } from '../../shared/agents.ts';
import type { AppStore } from '../state/store.ts';

type FieldName = 'name' | 'id' | 'command' | 'args' | 'env';

export function CustomAgentForm({ store, agent, onDone }: { store: AppStore; agent: AgentDescriptor | undefined; onDone: () => void }) {
  const isEditing = agent !== undefined;
  const current = isEditing ? store.state.getState().client.settings?.customAgents.find((custom) => custom.id === agent.id) : undefined;
  const [name, setName] = useState(agent?.name ?? '');
  const [id, setId] = useState(agent?.id ?? '');
  const [command, setCommand] = useState(agent?.command ?? '');
  const [args, setArgs] = useState((agent?.args ?? []).join('\n'));
  const [env, setEnv] = useState(Object.entries(current?.env ?? {}).map(([key, value]) => `${key}=${value}`).join('\n'));
  const [isSaving, setSaving] = useState(false);
  const [serverProblem, setServerProblem] = useState<string | undefined>();
  const formId = useId();

  const lines = (text: string) => text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const effectiveId = id.trim() === '' ? agentIdFromName(name) : id.trim();
  const assignments = parseEnvAssignments(lines(env));
  const candidate = { id: effectiveId, name, command, args: lines(args), env: assignments.ok ? assignments.env : {} };
  const checked = CustomAgentSchema.safeParse(candidate);
  const problems: Partial<Record<FieldName, string>> = {};
  if (!assignments.ok) problems.env = `Write one KEY=VALUE per line, not "${assignments.malformed}".`;
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const field = issue.path[0] as FieldName | undefined;
      if (field && !problems[field]) problems[field] = issue.code === 'invalid_key' ? 'A variable name is letters, digits and "_", not starting with a digit.' : issue.message;
    }
  }
  if (effectiveId === '' && name.trim() !== '') problems.id = 'No id can be made from this name; type one.';
  // Problems show from the first attempt to save on, then follow the typing. Showing them on blur
  // would move the Add button away from under the pointer between press and release.
  const [isAttempted, setAttempted] = useState(false);
  const shown = (field: FieldName) => (isAttempted ? problems[field] : undefined);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setAttempted(true);
    if (!checked.success || !assignments.ok) return;
    setSaving(true);
    const saved = isEditing ? await store.call('agents.update', { agent: checked.data }) : await store.call('agents.add', { agent: checked.data });
    setSaving(false);
    if (!saved.ok) return setServerProblem(saved.error.message);
    store.notify('success', isEditing ? `Saved ${saved.value.name}` : `Added ${saved.value.name}`, saved.value.resolvedPath === null ? `"${saved.value.command}" was not found yet: ${saved.value.installHint ?? ''}` : undefined);
    onDone();
  }

  const field = (key: FieldName, label: string, input: ReactNode, hint?: string) => (
    <div className={`agent-field${shown(key) ? ' invalid' : ''}`}>
      <label htmlFor={`${formId}-${key}`}>{label}</label>
      {input}
      {hint && (
        <span id={`${formId}-${key}-hint`} className="agent-field-hint">
          {hint}
        </span>
      )}
      {shown(key) && (
        <span id={`${formId}-${key}-problem`} className="setting-problem" role="alert">
          {shown(key)}
        </span>
      )}
    </div>
  );
  const described = (key: FieldName, hasHint: boolean) => [hasHint ? `${formId}-${key}-hint` : '', shown(key) ? `${formId}-${key}-problem` : ''].filter(Boolean).join(' ') || undefined;

  return (
    <form className="agent-form" aria-label={isEditing ? `Edit ${agent.name}` : 'Add an ACP agent'} onSubmit={(event) => void submit(event)} noValidate>
      <h3 className="agent-form-title">{isEditing ? `Edit ${agent.name}` : 'Add an ACP agent'}</h3>
      <p className="agent-field-hint">BooCode starts it as COMMAND ARGUMENTS… in the session's folder and speaks the Agent Client Protocol over its stdin and stdout.</p>
      {field('name', 'Name', <input id={`${formId}-name`} type="text" value={name} aria-invalid={shown('name') ? true : undefined} aria-describedby={described('name', false)} onChange={(event) => setName(event.target.value)} />)}
      {field(
        'id',
        'Id',
        <input id={`${formId}-id`} type="text" value={id} readOnly={isEditing} placeholder={agentIdFromName(name) || 'made from the name'} aria-invalid={shown('id') ? true : undefined} aria-describedby={described('id', true)} onChange={(event) => setId(event.target.value)} />,
        isEditing ? 'Chats know the agent by its id, so it stays.' : 'Lowercase letters, digits, ".", "_" or "-". Leave it empty to make one from the name.',
      )}
      {field(
        'command',
        'Command',
        <input id={`${formId}-command`} type="text" value={command} placeholder="my-agent" aria-invalid={shown('command') ? true : undefined} aria-describedby={described('command', true)} onChange={(event) => setCommand(event.target.value)} />,
        "An absolute path, or a name looked up in the project's node_modules/.bin and then on PATH.",
      )}
      {field(
        'args',
        'Arguments',
        <textarea id={`${formId}-args`} rows={2} value={args} placeholder="--acp" aria-invalid={shown('args') ? true : undefined} aria-describedby={described('args', true)} onChange={(event) => setArgs(event.target.value)} />,
        'One per line.',
      )}
      {field(
        'env',
        'Environment',
        <textarea id={`${formId}-env`} rows={2} value={env} placeholder="API_KEY=…" aria-invalid={shown('env') ? true : undefined} aria-describedby={described('env', true)} onChange={(event) => setEnv(event.target.value)} />,
        'One KEY=VALUE per line, added to your environment for this agent only.',
      )}
      {serverProblem && (
        <p className="setting-problem" role="alert">
          {serverProblem}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={isSaving}>
          {isSaving ? 'Saving…' : isEditing ? 'Save agent' : 'Add agent'}
        </button>
      </div>
    </form>
  );
}
