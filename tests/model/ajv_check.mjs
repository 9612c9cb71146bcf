// Validates documents against a JSON Schema with ajv (the reference validator), for
// tests/model/json_schema_test.cpp.
//   node ajv_check.mjs NODE_MODULES_DIR JOBS.json
// JOBS.json is a JSON array of {"schema": <schema>, "docs": [raw document texts]}. Prints one
// line: a JSON array with, per job, an array with per document 1 (parses and is valid), 0
// (parses, invalid) or -1 (not JSON).
// ajv-formats is not installed here, so the formats the grammar supports are registered below
// with the definitions of ajv-formats' "full" mode (ajv-formats/src/formats.ts).
import fs from 'node:fs';
import { createRequire } from 'node:module';

const [modulesDir, jobsPath] = process.argv.slice(2);
const require = createRequire(modulesDir + '/');
const Ajv2020 = require('ajv/dist/2020').default;

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
function date(str) {
  const m = /^(\d\d\d\d)-(\d\d)-(\d\d)$/.exec(str);
  if (!m) return false;
  const y = +m[1], mo = +m[2], d = +m[3];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= (mo === 2 && isLeap(y) ? 29 : DAYS[mo]);
}
function time(str) {
  const m = /^(\d\d):(\d\d):(\d\d(?:\.\d+)?)(z|([+-])(\d\d)(?::?(\d\d))?)$/i.exec(str);
  if (!m) return false;
  const hr = +m[1], min = +m[2], sec = +m[3], tzH = +(m[6] || 0), tzM = +(m[7] || 0);
  if (tzH > 23 || tzM > 59) return false;
  if (hr <= 23 && min <= 59 && sec < 60) return true;
  return false;  // leap seconds are never generated
}
function dateTime(str) {
  const parts = str.split(/t|\s/i);
  return parts.length === 2 && date(parts[0]) && time(parts[1]);
}
const formats = {
  date,
  time,
  'date-time': dateTime,
  uuid: /^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i,
  email: /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i,
};

const jobs = JSON.parse(fs.readFileSync(jobsPath, 'utf8'));
const out = jobs.map(({ schema, docs }) => {
  const ajv = new Ajv2020({ strict: false, allErrors: false, formats });
  const validate = ajv.compile(schema);
  return docs.map((text) => {
    let value;
    try {
      value = JSON.parse(text);
    } catch {
      return -1;
    }
    return validate(value) ? 1 : 0;
  });
});
console.log(JSON.stringify(out));
