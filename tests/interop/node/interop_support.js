// Shared helpers for the Node.js interop tests: an mqtt-ref-broker on free ports of 127.0.0.1
// (ports read from its `listening on` lines), its -v log kept for failure reports, bounded waits,
// and the pass / fail / skip exit codes CTest reads (0, 1, 77).
'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const EXIT_SKIP = 77;
const TIME_LIMIT_MS = Number(process.env.INTEROP_TIME_LIMIT_S || 45) * 1000;
const START_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 5000;
const LISTENING = /^listening on ([a-z]+):\/\/127\.0\.0\.1:(\d+)$/;

class Failure extends Error {}
class Skip extends Error {}

// mqtt-ref-broker -c CONFIG -v in a scratch directory; `ports[scheme]` after start().
class Broker {
  constructor(exe, configLines) {
    this.exe = exe;
    this.configLines = configLines;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt-interop.'));
    this.logPath = path.join(this.dir, 'broker.log');
    this.ports = {};
    this.process = null;
    this.exited = null;
  }

  start() {
    try {
      fs.accessSync(this.exe, fs.constants.X_OK);
    } catch {
      throw new Failure(`broker executable not found: ${this.exe}`);
    }
    const config = path.join(this.dir, 'broker.conf');
    fs.writeFileSync(config, this.configLines.join('\n') + '\n');
    const expected = this.configLines.filter((l) => /^(listener|http_listener) /.test(l)).length;
    const log = fs.openSync(this.logPath, 'w');
    this.process = childProcess.spawn(this.exe, ['-c', config, '-v'], { stdio: ['ignore', 'pipe', log] });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.process.once('exit', (code, signal) => resolve({ code, signal })));
    // Whatever way this process ends, the broker must not outlive it.
    process.once('exit', () => this.process.kill('SIGKILL'));
    return new Promise((resolve, reject) => {
      let seen = 0;
      const timer = setTimeout(() => reject(new Failure(
        `broker printed ${seen} of ${expected} 'listening on' lines within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS);
      this.process.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Failure(`broker exited at start-up (status ${code})`));
      });
      const lines = readline.createInterface({ input: this.process.stdout });
      lines.on('line', (line) => {
        const m = LISTENING.exec(line);
        if (!m) {
          clearTimeout(timer);
          reject(new Failure(`unexpected broker output: ${JSON.stringify(line)}`));
          return;
        }
        if (!(m[1] in this.ports)) this.ports[m[1]] = Number(m[2]);
        if (++seen === expected) {
          clearTimeout(timer);
          resolve(this);
        }
      });
    });
  }

  async stop() {
    if (!this.process || this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  logTail(count = 60) {
    try {
      const lines = fs.readFileSync(this.logPath, 'utf8').split('\n');
      return lines.slice(-count - 1).join('\n');
    } catch {
      return '<no broker log>';
    }
  }

  async cleanup() {
    await this.stop();
    if (process.env.INTEROP_KEEP) {
      console.error(`scratch directory kept: ${this.dir}`);
    } else {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

// Start the broker, run body(broker), report PASS / FAIL / SKIP and exit.
async function run(name, exe, configLines, body) {
  const broker = new Broker(exe, configLines);
  let status = 0;
  let limit;
  try {
    await Promise.race([
      (async () => {
        await broker.start();
        await body(broker);
      })(),
      new Promise((_, reject) => {
        limit = setTimeout(() => reject(new Failure(`overall time limit of ${TIME_LIMIT_MS / 1000} s exceeded`)),
          TIME_LIMIT_MS);
      }),
    ]);
    console.log(`PASS [${name}]`);
  } catch (e) {
    if (e instanceof Skip) {
      console.error(`SKIP [${name}]: ${e.message}`);
      status = EXIT_SKIP;
    } else {
      console.error(`FAIL [${name}]: ${e instanceof Failure ? e.message : e.stack}`);
      console.error('--- last lines of the broker log (-v) ---');
      console.error(broker.logTail());
      status = 1;
    }
  } finally {
    clearTimeout(limit);
    await broker.cleanup();
  }
  process.exit(status);
}

function formatMessages(messages) {
  return messages.length ? messages.map((m) => `  ${m}`).join('\n') : '  <nothing>';
}

function expectEqual(what, expected, actual) {
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    throw new Failure(`${what}\nexpected:\n${formatMessages(expected.map((m) => JSON.stringify(m)))}\n` +
      `received:\n${formatMessages(actual.map((m) => JSON.stringify(m)))}`);
  }
}

// withTimeout(promise, ms, what): the promise's value, or a Failure naming what did not happen.
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Failure(`${what}: nothing within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = { Broker, Failure, Skip, run, expectEqual, withTimeout, sleep };
