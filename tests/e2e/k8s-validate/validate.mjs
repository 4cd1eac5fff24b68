// validate.mjs FILE...: each YAML document against the Kubernetes API
// schema (kubernetes-models; prometheus-operator's PodMonitor and the
// like from its package), plus the "restricted" Pod Security checks
// every sidelog example must pass.  With --configmaps, print the INI of
// every ConfigMap as JSON instead, with what the containers that mount it
// are given: their environment variables' names and their mounts.
// Exits 1 on the first invalid file.
import fs from "node:fs";
import YAML from "yaml";

const groups = {
  "v1": "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "monitoring.coreos.com/v1":
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

async function model(doc) {
  const mod = groups[doc.apiVersion];
  if (!mod)
    throw new Error(`unsupported apiVersion ${doc.apiVersion}`);
  const m = await import(mod);
  if (!m[doc.kind])
    throw new Error(`unknown kind ${doc.apiVersion} ${doc.kind}`);
  return new m[doc.kind](doc);
}

function podSpec(doc) {
  if (doc.kind === "Pod")
    return doc.spec;
  return doc.spec && doc.spec.template ? doc.spec.template.spec : null;
}

// The kind of each volume a pod can mount: "configMap", "secret",
// "persistentVolumeClaim" (a StatefulSet's claim templates too), ...
function volumeKinds(doc) {
  const spec = podSpec(doc) || {};
  const kinds = {};
  for (const v of spec.volumes || [])
    kinds[v.name] = Object.keys(v).find((k) => k !== "name");
  for (const t of (doc.spec && doc.spec.volumeClaimTemplates) || [])
    kinds[t.metadata.name] = "persistentVolumeClaim";
  return kinds;
}

// What the containers mounting ConfigMap name are given.
function provided(docs, name) {
  const env = new Set(), mounts = [];
  for (const doc of docs) {
    const spec = podSpec(doc);
    if (!spec)
      continue;
    const kinds = volumeKinds(doc);
    const cmVol = (spec.volumes || []).find((v) =>
      v.configMap && v.configMap.name === name);
    if (!cmVol)
      continue;
    for (const c of [...(spec.initContainers || []), ...spec.containers]) {
      const vm = c.volumeMounts || [];
      if (!vm.some((m) => m.name === cmVol.name))
        continue;
      for (const e of c.env || [])
        env.add(e.name);
      for (const m of vm)
        mounts.push({ path: m.mountPath, kind: kinds[m.name] });
    }
  }
  return { env: [...env], mounts };
}

// The restricted profile, as it applies to these examples.
function restricted(doc) {
  const spec = podSpec(doc);
  if (!spec)
    return [];
  const errs = [];
  const psc = spec.securityContext || {};
  if (psc.runAsNonRoot !== true)
    errs.push("pod: runAsNonRoot must be true");
  if (!Number.isInteger(psc.runAsUser) || psc.runAsUser === 0)
    errs.push("pod: runAsUser must be a non-zero number");
  if (!psc.seccompProfile || psc.seccompProfile.type !== "RuntimeDefault")
    errs.push("pod: seccompProfile must be RuntimeDefault");
  const all = [...(spec.initContainers || []), ...(spec.containers || [])];
  for (const c of all) {
    const sc = c.securityContext || {};
    if (sc.allowPrivilegeEscalation !== false)
      errs.push(`${c.name}: allowPrivilegeEscalation must be false`);
    if (!sc.capabilities || !(sc.capabilities.drop || []).includes("ALL"))
      errs.push(`${c.name}: capabilities must drop ALL`);
    if (sc.readOnlyRootFilesystem !== true)
      errs.push(`${c.name}: readOnlyRootFilesystem must be true`);
  }
  return errs;
}

const args = process.argv.slice(2);
const dump = args[0] === "--configmaps";
const files = dump ? args.slice(1) : args;
const inis = [];
let bad = 0;
for (const file of files) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
  const objs = docs.filter((d) => !d.errors.length).map((d) => d.toJS())
    .filter((o) => o !== null);
  for (const [i, d] of docs.entries()) {
    if (d.errors.length) {
      console.error(`${file}: document ${i + 1}: ${d.errors[0].message}`);
      bad++;
      continue;
    }
    const doc = d.toJS();
    if (doc === null)
      continue;
    if (dump) {
      if (doc.kind === "ConfigMap" && doc.data && doc.data["sidelog.ini"])
        inis.push({ file, name: doc.metadata.name,
                    ini: doc.data["sidelog.ini"],
                    pod: provided(objs, doc.metadata.name) });
      continue;
    }
    try {
      (await model(doc)).validate();
    } catch (e) {
      console.error(`${file}: ${doc.kind} ${doc.metadata && doc.metadata.name}: ${e.message}`);
      bad++;
    }
    for (const e of restricted(doc)) {
      console.error(`${file}: ${doc.kind} ${doc.metadata.name}: ${e}`);
      bad++;
    }
  }
}
if (dump)
  console.log(JSON.stringify(inis));
process.exit(bad ? 1 : 0);
