// admin/users.js is the users tab: create a user, change their name, role
// and scope, disable or enable them (disabling ends their sessions and stops
// their tokens), reset their password, and list, create and revoke their
// bearer tokens (a new token is shown once).

import { h } from '../dom.js';
import { label } from '../i18n.js';
import { showError, showMessage } from '../notify.js';
import { at } from './i18n.js';
import { table, identifier, confirmButton, actionButton, field, formError, openDialog, showSecret, section, when } from './ui.js';

const ROLES = ['officer', 'analyst', 'admin'];

// unitOptions lists the scopes the caller may give: their own unit, or for
// an admin of all units every unit and "all units".
function unitOptions(ctx, selected) {
  const opts = [];
  if (!ctx.user.unit) opts.push(h('option', { value: '', selected: !selected }, at('user.allUnits')));
  for (const u of ctx.units) {
    if (ctx.user.unit && u.code !== ctx.user.unit) continue;
    opts.push(h('option', { value: u.code, selected: u.code === selected }, u.name ? `${u.name} (${u.code})` : u.code));
  }
  return opts;
}

function roleSelect(selected, testid) {
  return h('select', { testid }, ROLES.map((r) => h('option', { value: r, selected: r === selected }, label('role', r))));
}

export async function render(ctx, el) {
  const { users } = await ctx.api.users();
  const zone = ctx.zone();

  const username = h('input', { type: 'text', testid: 'admin-user-username', maxlength: 64, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
  const fullName = h('input', { type: 'text', testid: 'admin-user-fullname', maxlength: 200 });
  const role = roleSelect('officer', 'admin-user-role');
  const unit = h('select', { testid: 'admin-user-unit' }, unitOptions(ctx, ctx.unit));
  const password = h('input', { type: 'password', testid: 'admin-user-password', autocomplete: 'new-password', minlength: 8 });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button primary', testid: 'admin-user-create' }, at('user.create'));
  const form = h('form', { class: 'admin-form', novalidate: true },
    field(at('user.username'), username), field(at('user.fullName'), fullName), field(at('user.role'), role),
    field(at('user.unit'), unit), field(at('user.password'), password, at('user.passwordHint')), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError(error, null);
    submit.disabled = true;
    try {
      await ctx.api.createUser({ username: username.value.trim(), full_name: fullName.value.trim(), role: role.value, unit: unit.value || null, password: password.value });
      const created = username.value.trim();
      showMessage(() => at('user.created', { username: created }));
      ctx.refresh();
    } catch (err) {
      formError(error, err);
    } finally {
      submit.disabled = false;
    }
  });

  const list = table([
    { title: at('user.username'), cell: (u) => identifier(u.username) },
    { title: at('user.fullName'), cell: (u) => u.full_name || '–' },
    { title: at('user.role'), cell: (u) => label('role', u.role) },
    { title: at('user.unit'), cell: (u) => u.unit || at('user.allUnits') },
    { title: at('user.status'), cell: (u) => (u.disabled
      ? h('span', { class: 'admin-badge bad', testid: 'admin-user-status' }, at('user.disabled'))
      : h('span', { class: 'admin-badge ok', testid: 'admin-user-status' }, at('user.enabled'))) },
    { title: at('user.lastLogin'), cell: (u) => when(u.last_login, zone) },
    { title: at('user.tokens'), class: 'num', cell: (u) => String(u.active_tokens ?? '–') },
    { title: '', class: 'actions', cell: (u) => (u.username === ctx.user.username ? [tokensButton(ctx, u), passwordButton(ctx, u)] : [
      actionButton(at('user.edit'), () => edit(ctx, u), { testid: 'admin-user-edit' }),
      confirmButton(u.disabled ? at('user.enable') : at('user.disable'), at('common.confirm'), async () => {
        try {
          await ctx.api.updateUser(u.username, { disabled: !u.disabled });
          const key = u.disabled ? 'user.enabledMsg' : 'user.disabledMsg';
          showMessage(() => at(key, { username: u.username }));
          ctx.refresh();
        } catch (err) {
          showError(err);
        }
      }, { testid: 'admin-user-toggle', class: u.disabled ? 'button small' : 'button small danger' }),
      passwordButton(ctx, u),
      tokensButton(ctx, u),
    ]) },
  ], users || [], { testid: 'admin-users', rowProps: (u) => ({ testid: 'admin-user-row', dataset: { username: u.username, disabled: String(u.disabled) } }) });

  el.append(section(at('user.createTitle'), form, error), section(at('user.listTitle'), list));
}

function passwordButton(ctx, u) {
  return actionButton(at('user.resetPassword'), async () => {
    const input = h('input', { type: 'password', testid: 'admin-password-new', autocomplete: 'new-password', minlength: 8 });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    let dialog = null;
    const save = actionButton(at('common.save'), async () => {
      formError(error, null);
      try {
        await ctx.api.resetPassword(u.username, input.value);
        showMessage(() => at('user.passwordSet', { username: u.username }));
        dialog.close();
      } catch (err) {
        formError(error, err);
      }
    }, { class: 'button primary', testid: 'admin-password-save' });
    dialog = openDialog({ title: at('user.resetTitle', { username: u.username }), testid: 'admin-password-dialog',
      content: h('div', {}, field(at('user.newPassword'), input, at('user.resetHint')), error), actions: [save] });
    await dialog;
    ctx.refresh();
  }, { testid: 'admin-user-password-reset' });
}

async function edit(ctx, u) {
  const fullName = h('input', { type: 'text', testid: 'admin-edit-fullname', maxlength: 200, value: u.full_name || '' });
  const role = roleSelect(u.role, 'admin-edit-role');
  const unit = h('select', { testid: 'admin-edit-unit' }, unitOptions(ctx, u.unit || ''));
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  let saved = false;
  let dialog = null;
  const save = actionButton(at('common.save'), async () => {
    formError(error, null);
    const change = {};
    if (fullName.value.trim() !== (u.full_name || '')) change.full_name = fullName.value.trim();
    if (role.value !== u.role) change.role = role.value;
    if ((unit.value || null) !== (u.unit || null)) change.unit = unit.value || null;
    if (Object.keys(change).length === 0) {
      dialog.close();
      return;
    }
    try {
      await ctx.api.updateUser(u.username, change);
      saved = true;
      dialog.close();
    } catch (err) {
      formError(error, err);
    }
  }, { class: 'button primary', testid: 'admin-edit-save' });
  dialog = openDialog({ title: at('user.editTitle', { username: u.username }), testid: 'admin-edit-dialog',
    content: h('div', {}, field(at('user.fullName'), fullName), field(at('user.role'), role), field(at('user.unit'), unit), error), actions: [save] });
  await dialog;
  if (saved) ctx.refresh();
}

function tokensButton(ctx, u) {
  return actionButton(at('user.tokens'), async () => {
    const zone = ctx.zone();
    const box = h('div', {});
    const load = async () => {
      const { tokens } = await ctx.api.userTokens(u.username);
      box.replaceChildren(table([
        { title: at('token.label'), cell: (t) => t.label || '–' },
        { title: at('token.created'), cell: (t) => when(t.created_at, zone) },
        { title: at('token.lastUsed'), cell: (t) => when(t.last_used, zone) },
        { title: at('user.status'), cell: (t) => (t.revoked_at
          ? h('span', { class: 'admin-badge bad' }, at('token.revoked', { at: when(t.revoked_at, zone) }))
          : h('span', { class: 'admin-badge ok' }, at('token.live'))) },
        { title: '', class: 'actions', cell: (t) => (t.revoked_at ? '' : confirmButton(at('token.revoke'), at('common.confirm'), async () => {
          try {
            await ctx.api.revokeToken(t.id);
            await load();
          } catch (err) {
            showError(err);
          }
        }, { testid: 'admin-token-revoke', class: 'button small danger' })) },
      ], tokens || [], { testid: 'admin-tokens', rowProps: (t) => ({ testid: 'admin-token-row', dataset: { id: String(t.id), revoked: String(Boolean(t.revoked_at)) } }), empty: at('token.none') }));
    };
    try {
      await load();
    } catch (err) {
      showError(err);
      return;
    }
    const labelInput = h('input', { type: 'text', testid: 'admin-token-label', maxlength: 100, placeholder: at('token.labelHint') });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const create = actionButton(at('token.create'), async () => {
      formError(error, null);
      try {
        const r = await ctx.api.createToken(u.username, labelInput.value.trim());
        await showSecret({ title: at('token.secretTitle', { username: u.username }), secret: r.token, hints: [at('token.use')] });
        await load();
      } catch (err) {
        formError(error, err);
      }
    }, { class: 'button primary', testid: 'admin-token-create' });
    await openDialog({ title: at('token.title', { username: u.username }), testid: 'admin-tokens-dialog',
      content: h('div', {}, box, h('div', { class: 'admin-form' }, field(at('token.label'), labelInput), create), error) });
    ctx.refresh();
  }, { testid: 'admin-user-tokens' });
}
