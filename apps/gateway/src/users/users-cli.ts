import 'reflect-metadata';
import { commonConfigSchema, ConfigError, parseEnv, readEnvironment } from '@relay/config';
import { Database, databaseConfigSchema } from '@relay/database';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { FileSignInSessionStore } from '../auth/file-sign-in-session-store';
import { PostgresSignInSessionStore } from '../auth/postgres-sign-in-session-store';
import type { SignInSessionStore } from '../auth/sign-in-session-store.port';
import { FileUserStore } from './file-user-store';
import { PostgresUserStore } from './postgres-user-store';
import { UserAccounts } from './user-accounts';
import type { UserStore } from './user-store.port';

const USAGE = `npm run users -- <command>   (accounts of AUTH_MODE=local, in the store STORE names: files under DATA_DIR, or PostgreSQL)

  add <name> [--admin | --role admin|member|reader] [--name "Display Name"] [--groups a,b]
                                 create an account (role member unless said); the password is asked for
                                 (or read from the first line of standard input when it is not a terminal)
  list                           the accounts, their roles and whether they are disabled
  set-role <name> <role>         admin, member or reader (takes effect at the user's next request)
  passwd <name>                  set a new password (ends the user's sign-ins)
  disable <name> | enable <name> disabling ends the user's sign-ins at once
  sign-out <name>                end every sign-in of the user
  delete <name>                  remove the account (ends its sign-ins; its chats stay until deleted)`;

type Role = 'admin' | 'member' | 'reader';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 1;
  }
  const env = readEnvironment();
  let common, database;
  try {
    common = parseEnv(commonConfigSchema, env);
    database = parseEnv(databaseConfigSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  let db: Database | undefined;
  let users: UserStore;
  let sessions: SignInSessionStore;
  if (database.STORE === 'postgres') {
    db = await Database.connect({
      url: database.DATABASE_URL,
      poolSize: 2,
      statementTimeoutMs: database.DATABASE_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: database.DATABASE_CONNECT_TIMEOUT_MS,
      applicationName: 'relay-users',
    });
    users = new PostgresUserStore(db);
    sessions = new PostgresSignInSessionStore(db);
  } else {
    users = new FileUserStore(common.DATA_DIR);
    sessions = new FileSignInSessionStore(common.DATA_DIR);
  }
  const accounts = new UserAccounts(users);
  try {
    return await run(command, rest, accounts, sessions);
  } finally {
    await db?.close();
  }
}

async function run(command: string, args: string[], accounts: UserAccounts, sessions: SignInSessionStore): Promise<number> {
  const { positional, flags } = parseArgs(args);
  const name = positional[0];
  const needName = () => {
    if (!name) throw new Error(`${command} needs a user name\n\n${USAGE}`);
    return name;
  };
  switch (command) {
    case 'add': {
      const role = (flags.admin ? 'admin' : (flags.role ?? 'member')) as Role;
      if (!['admin', 'member', 'reader'].includes(role)) throw new Error('--role is admin, member or reader');
      const user = await accounts.create({
        userId: needName(),
        password: await readPassword(`Password for ${name}: `),
        role,
        displayName: typeof flags.name === 'string' ? flags.name : undefined,
        groups: typeof flags.groups === 'string' ? flags.groups.split(',').map((g) => g.trim()).filter(Boolean) : undefined,
      });
      process.stdout.write(`created ${user.userId} (${user.role})\n`);
      return 0;
    }
    case 'list':
      for (const u of await accounts.list()) process.stdout.write(`${u.userId}\t${u.role}\t${u.disabled ? 'disabled' : 'active'}\t${u.displayName}\t${u.groups.join(',')}\n`);
      return 0;
    case 'set-role': {
      const role = positional[1] as Role;
      if (!['admin', 'member', 'reader'].includes(role)) throw new Error('set-role <name> <admin|member|reader>');
      await accounts.update(needName(), { role });
      process.stdout.write(`${name} is now ${role}\n`);
      return 0;
    }
    case 'passwd':
      await accounts.update(needName(), { password: await readPassword(`New password for ${name}: `) });
      await sessions.deleteAllOf(name!);
      process.stdout.write(`password of ${name} changed; their sign-ins ended\n`);
      return 0;
    case 'disable':
    case 'enable':
      await accounts.update(needName(), { disabled: command === 'disable' });
      if (command === 'disable') await sessions.deleteAllOf(name!);
      process.stdout.write(`${name} ${command}d\n`);
      return 0;
    case 'sign-out':
      process.stdout.write(`${await sessions.deleteAllOf(needName())} sign-ins of ${name} ended\n`);
      return 0;
    case 'delete':
      await accounts.delete(needName());
      await sessions.deleteAllOf(name!);
      process.stdout.write(`${name} deleted\n`);
      return 0;
    default:
      throw new Error(`unknown command ${command}\n\n${USAGE}`);
  }
}

function parseArgs(args: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) positional.push(arg);
    else if (arg === '--admin') flags.admin = true;
    else flags[arg.slice(2)] = args[++i] ?? '';
  }
  return { positional, flags };
}

/** Asks twice on a terminal without echoing; otherwise reads the first line of standard input. */
async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    throw new Error('no password on standard input');
  }
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      let muted = false;
      const output = new Writable({
        write(chunk, _enc, done) {
          if (!muted) process.stdout.write(chunk);
          done();
        },
      });
      const rl = createInterface({ input: process.stdin, output, terminal: true });
      rl.question(question, (answer) => {
        rl.close();
        process.stdout.write('\n');
        resolve(answer);
      });
      muted = true;
    });
  const first = await ask(prompt);
  const second = await ask('Again: ');
  if (first !== second) throw new Error('the two passwords differ');
  return first;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
