// aedes for the conformance suite: MQTT over TCP and WebSocket on 127.0.0.1 with the users and
// the ACL that profile.toml describes. node server.js TCP_PORT WS_PORT (started by ./start).
import { createServer as createTcpServer } from 'node:net'
import { createServer as createHttpServer } from 'node:http'
import { Aedes } from 'aedes'
import { WebSocketServer, createWebSocketStream } from 'ws'

const host = '127.0.0.1'
const tcpPort = Number(process.argv[2])
const wsPort = Number(process.argv[3])
if (!Number.isInteger(tcpPort) || !Number.isInteger(wsPort)) {
  console.error('usage: node server.js TCP_PORT WS_PORT')
  process.exit(2)
}

// The profile's user and denied topic; anonymous clients are let in as well.
const userName = 'harness'
const password = 'harness-secret'
const deniedTopic = 'test/nosubscribe'
const sysPrefix = '$SYS/'
// CONNACK return code 0x04 Bad User Name or Password (3.1.1 table 3.1).
const badCredentialsReturnCode = 4

// Anonymous clients are accepted; a client that names a user must give its password.
function authenticate (client, givenUser, givenPassword, callback) {
  if (givenUser === undefined && givenPassword === undefined) return callback(null, true)
  if (givenUser === userName && givenPassword !== undefined && givenPassword.toString() === password) {
    return callback(null, true)
  }
  const error = new Error('bad user name or password')
  error.returnCode = badCredentialsReturnCode
  callback(error, false)
}

// A refused PUBLISH closes the connection, one of the two reactions MQTT-3.3.5-2 allows. The
// $SYS/ check is aedes's own default, kept so that only the denied topic changes.
function authorizePublish (client, packet, callback) {
  if (packet.topic.startsWith(sysPrefix)) return callback(new Error(sysPrefix + ' topic is reserved'))
  if (packet.topic === deniedTopic) return callback(new Error('publishing to ' + deniedTopic + ' is denied'))
  callback(null)
}

// A null subscription is aedes's way to answer 0x80 Failure for that filter (MQTT-3.9.3-2).
function authorizeSubscribe (client, subscription, callback) {
  callback(null, subscription.topic === deniedTopic ? null : subscription)
}

// Nothing on the denied topic reaches a client, whatever filter matched it.
function authorizeForward (client, packet) {
  return packet.topic === deniedTopic ? null : packet
}

const broker = await Aedes.createBroker({ authenticate, authorizePublish, authorizeSubscribe, authorizeForward })
broker.on('clientError', (client, error) => console.error(`client ${client.id}: ${error.message}`))
broker.on('connectionError', (client, error) => console.error(`connection: ${error.message}`))

const tcpServer = createTcpServer(broker.handle)
const httpServer = createHttpServer()
const wsServer = new WebSocketServer({ server: httpServer })
wsServer.on('connection', (socket, request) => broker.handle(createWebSocketStream(socket), request))

function listen (server, port, what) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      console.error(`aedes ${what} on ${host}:${port}`)
      resolve()
    })
  })
}

try {
  await listen(tcpServer, tcpPort, 'MQTT over TCP')
  await listen(httpServer, wsPort, 'MQTT over WebSocket')
} catch (error) {
  console.error(`cannot listen: ${error.message}`)
  process.exit(1)
}

// SIGTERM (kill PID) ends the process at once: nothing is persisted, so nothing needs a flush.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0))
