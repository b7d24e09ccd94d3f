// The official JavaScript driver (`neo4j-driver`) running the harness workloads, printing the
// same JSON line as benches/harness/src/bin/boltc.rs.
//
//     node bench_js.js URI WORKLOAD [N] [THREADS]
//
// W3 runs THREADS concurrent sessions on one event loop (JavaScript has no threads to share a
// driver between). Credentials come from BENCH_USER / BENCH_PASSWORD (default neo4j / password).
'use strict'
const fs = require('fs')
const neo4j = require('neo4j-driver')

const AUTH = neo4j.auth.basic(process.env.BENCH_USER || 'neo4j', process.env.BENCH_PASSWORD ?? 'password')
const RETURN_1 = 'RETURN 1 AS n'
const CLIENT = 'js-neo4j-driver'

function queryFor (workload, n) {
  if (workload === 'w1') return `UNWIND range(1, ${n || 1000000}) AS i RETURN i`
  return `UNWIND range(1, ${n || 200000}) AS i RETURN i, 'name-' + toString(i) AS s, [i, i + 1] AS l, {k: i} AS m`
}

function maxRssKb () {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find(l => l.startsWith('VmHWM:'))
  return line ? parseInt(line.split(/\s+/)[1], 10) : 0
}

// Starts the timed part: wall clock and process CPU (user + sys, all threads).
function startTimer () {
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage() }
}

function report (workload, ops, started, extra = {}) {
  const secs = Number(process.hrtime.bigint() - started.wall) / 1e9
  const cpu = process.cpuUsage(started.cpu)
  console.log(JSON.stringify(Object.assign({
    client: CLIENT,
    workload,
    ops,
    seconds: secs,
    per_op_us: secs * 1e6 / Math.max(ops, 1),
    max_rss_kb: maxRssKb(),
    cpu_s: (cpu.user + cpu.system) / 1e6
  }, extra)))
}

function newDriver (uri) {
  return neo4j.driver(uri, AUTH, { fetchSize: 1000, disableLosslessIntegers: true })
}

async function return1 (session) {
  const result = await session.run(RETURN_1)
  if (result.records.length !== 1 || result.records[0].get(0) !== 1) throw new Error('bad RETURN 1')
}

async function main () {
  const [uri, workload, nArg, threadsArg] = process.argv.slice(2)
  const n = nArg ? parseInt(nArg, 10) : undefined
  const threads = threadsArg ? parseInt(threadsArg, 10) : 4
  if (workload === 'w1' || workload === 'w1b') {
    const driver = newDriver(uri)
    await driver.verifyConnectivity()
    const session = driver.session()
    const started = startTimer()
    let rows = 0
    let total = 0
    // Streaming (not eager) consumption, as the other clients do.
    for await (const record of session.run(queryFor(workload, n))) {
      total += record.get(0)
      rows++
    }
    report(workload, rows, started, { rows, check: total })
    await session.close()
    await driver.close()
  } else if (workload === 'w2') {
    const count = n || 5000
    const driver = newDriver(uri)
    const session = driver.session()
    for (let i = 0; i < Math.min(count, 200); i++) await return1(session)
    const started = startTimer()
    for (let i = 0; i < count; i++) await return1(session)
    report('w2', count, started)
    await session.close()
    await driver.close()
  } else if (workload === 'w3') {
    const count = n || 2000
    const driver = newDriver(uri)
    const run = async (k) => {
      const session = driver.session()
      for (let i = 0; i < k; i++) await return1(session)
      await session.close()
    }
    await Promise.all(Array.from({ length: threads }, () => run(1)))
    const started = startTimer()
    await Promise.all(Array.from({ length: threads }, () => run(count)))
    report('w3', count * threads, started, { threads })
    await driver.close()
  } else if (workload === 'w4') {
    const count = n || 200
    const started = startTimer()
    for (let i = 0; i < count; i++) {
      const driver = newDriver(uri)
      await driver.verifyConnectivity()
      await driver.close()
    }
    report('w4', count, started)
  } else {
    throw new Error(`unknown workload ${workload}`)
  }
}

main().catch(e => { console.error(e); process.exit(1) })
