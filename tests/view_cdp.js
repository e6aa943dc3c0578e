// view_cdp.js -- drive the `qmap view` page in headless Chromium through the Chrome DevTools
// protocol over --remote-debugging-pipe (file descriptors 3 and 4, NUL-separated JSON: no
// WebSocket and no npm package, works with Debian's Node 18): load the page, switch maps, hover,
// click a position, drag a rectangle, pick a particle, take a screenshot. Real mouse events
// go through Input.dispatchMouseEvent at the cell's screen position, so the page's own
// hit-testing is exercised. Prints one JSON object with what the page shows; the shell test
// compares it with the results file. Console messages of level error, uncaught exceptions
// and failed loads are collected and reported.
//
// usage: node view_cdp.js URL OUT.png ROW COL R0 R1 C0 C1   (QMAP_VIEW_SVG_DIR=DIR: keep the panels' SVG files there)
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const [url, shot, row, col, r0, r1, c0, c1] = process.argv.slice(2);
const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "qmap-view-chrome-"));
const chrome = spawn(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
    "--remote-debugging-pipe", `--user-data-dir=${userDir}`, "--window-size=1500,1900", "about:blank"],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
let chromeErr = "";
chrome.stderr.on("data", d => { chromeErr += d; });

function fail(msg) {
    console.error("view_cdp: " + msg);
    cleanup(1);
}
function cleanup(code) {
    try { chrome.kill("SIGKILL"); } catch (e) { /* already gone */ }
    setTimeout(() => { fs.rmSync(userDir, { recursive: true, force: true }); process.exit(code); }, 300);
}
setTimeout(() => fail("timed out after 120 s\n" + chromeErr.slice(-2000)), 120000);
const sleep = ms => new Promise(r => setTimeout(r, ms));

async function main() {
    const toChrome = chrome.stdio[3], fromChrome = chrome.stdio[4];
    let nextId = 1, sessionId = null, inbuf = "";
    const pending = new Map(), problems = [];
    const onMessage = m => {
        if (m.id && pending.has(m.id)) {
            const { res, rej } = pending.get(m.id);
            pending.delete(m.id);
            if (m.error) rej(new Error(JSON.stringify(m.error))); else res(m.result);
        } else if (m.method === "Runtime.exceptionThrown") {
            problems.push("exception: " + JSON.stringify(m.params.exceptionDetails).slice(0, 400));
        } else if (m.method === "Runtime.consoleAPICalled" && (m.params.type === "error" || m.params.type === "assert")) {
            problems.push("console." + m.params.type + ": " + JSON.stringify(m.params.args).slice(0, 400));
        } else if (m.method === "Log.entryAdded" && m.params.entry.level === "error") {
            problems.push("log: " + m.params.entry.text + " " + (m.params.entry.url || ""));
        }
    };
    toChrome.on("error", () => {});     // chromium killed at the end: a broken pipe is expected
    fromChrome.on("error", () => {});
    fromChrome.setEncoding("utf8");
    fromChrome.on("data", d => {
        inbuf += d;
        let k;
        while ((k = inbuf.indexOf("\0")) >= 0) {
            const msg = inbuf.slice(0, k);
            inbuf = inbuf.slice(k + 1);
            onMessage(JSON.parse(msg));
        }
    });
    const send = (method, params = {}, browser = false) => new Promise((res, rej) => {
        const id = nextId++;
        pending.set(id, { res, rej });
        const m = { id, method, params };
        if (!browser) m.sessionId = sessionId;
        toChrome.write(JSON.stringify(m) + "\0");
    });
    const { targetId } = await send("Target.createTarget", { url: "about:blank" }, true);
    ({ sessionId } = await send("Target.attachToTarget", { targetId, flatten: true }, true));
    const evaluate = async expr => {
        const r = await send("Runtime.evaluate", { expression: expr, returnByValue: true, awaitPromise: true });
        if (r.exceptionDetails) throw new Error("evaluate " + expr + ": " + JSON.stringify(r.exceptionDetails).slice(0, 300));
        return r.result.value;
    };
    const waitFor = async (expr, what) => {
        for (let i = 0; i < 400; i++) {
            if (await evaluate(expr)) return;
            await sleep(50);
        }
        fail("timed out waiting for " + what);
    };
    // screen position (CSS pixels) of the centre of map cell (row, col)
    const cellXY = (r, c) => evaluate(`(() => { const b = document.getElementById("map-overlay").getBoundingClientRect();
        const S = window.qmapView, nr = S.info.shape[0];
        return [b.left + S.L + (${c} + 0.5) * S.cell, b.top + S.T + (nr - 0.5 - ${r}) * S.cell]; })()`);
    const mouse = (type, x, y, buttons) => send("Input.dispatchMouseEvent",
        { type, x, y, button: type === "mouseMoved" ? (buttons ? "left" : "none") : "left", buttons, clickCount: 1 });

    await send("Runtime.enable");
    await send("Log.enable");
    await send("Page.enable");
    await send("Page.navigate", { url });
    await waitFor("!!(window.qmapView && window.qmapView.ready)", "the page to load every map");
    const out = { maps: {} };

    // switch maps: each gives a different picture and the title follows
    const offered = await evaluate(`Array.from(document.getElementById("map-select").options).map(o => o.value)`);
    for (const name of ["d_spacing", "strain", "tilt_hsv", "particles", "sigma_mean", "intensity"].filter(n => offered.includes(n))) {
        await evaluate(`(() => { const s = document.getElementById("map-select"); s.value = "${name}";
            s.dispatchEvent(new Event("change")); })()`);
        await waitFor(`window.qmapView.current && window.qmapView.current.name === "${name}"`, "map " + name);
        out.maps[name] = await evaluate(`({ title: document.getElementById("map-title").textContent,
            picture: document.getElementById("map-canvas").toDataURL().length + ":" +
                     Array.from(document.getElementById("map-canvas").toDataURL()).reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7),
            ms: window.qmapView.lastMapMs })`);
    }

    // hover read-out
    let [x, y] = await cellXY(+row, +col);
    await mouse("mouseMoved", x, y, 0);
    out.readout = await evaluate(`({ where: document.getElementById("readout-where").textContent,
        rows: Array.from(document.querySelectorAll("#readout tr")).map(tr => Array.from(tr.children).map(td => td.textContent)) })`);

    // click the position
    await mouse("mousePressed", x, y, 1);
    await mouse("mouseReleased", x, y, 0);
    await waitFor(`window.qmapView.position && window.qmapView.position.row === ${row} && window.qmapView.position.col === ${col}`,
                  "the position panel");
    out.position = await evaluate(`({ title: document.getElementById("pos-title").textContent,
        values: Object.fromEntries(Array.from(document.querySelectorAll("#pos-values tr[data-key]")).map(tr =>
            [tr.dataset.key, { shown: tr.children[1].textContent, value: tr.children[1].dataset.value }])),
        fit: Array.from(document.querySelectorAll("#pos-fit tr[data-key]")).map(tr => Array.from(tr.children).map(td => td.textContent)),
        plots: Array.from(document.querySelectorAll("#pos-plots canvas")).map(c => c.id),
        message: document.getElementById("pos-message").textContent,
        rocking: document.getElementById("pos-rocking-msg").textContent,
        rocking_plot: Array.from(document.querySelectorAll("#pos-rocking-plot canvas")).map(c => c.id),
        recomputed: Object.fromEntries(Array.from(document.querySelectorAll("#pos-recomputed tr[data-key]")).map(tr =>
            [tr.dataset.key, { shown: tr.children[1].textContent, value: tr.children[1].dataset.value }])),
        json: window.qmapView.position })`);

    // drag a rectangle
    const [xa, ya] = await cellXY(+r0, +c0), [xb, yb] = await cellXY(+r1, +c1);
    await mouse("mouseMoved", xa, ya, 0);
    await mouse("mousePressed", xa, ya, 1);
    await mouse("mouseMoved", (xa + xb) / 2, (ya + yb) / 2, 1);
    await mouse("mouseMoved", xb, yb, 1);
    await mouse("mouseReleased", xb, yb, 0);
    await waitFor(`window.qmapView.region && window.qmapView.region.r0 === ${Math.min(r0, r1)} && window.qmapView.region.c1 === ${Math.max(c0, c1)}`,
                  "the region panel");
    out.region = await evaluate(`({ title: document.getElementById("region-title").textContent,
        sum_shown: document.getElementById("region-sum").textContent, sum_value: document.getElementById("region-sum").dataset.value,
        stats: Object.fromEntries(Array.from(document.querySelectorAll("#region-stats tr[data-key]")).map(tr =>
            [tr.dataset.key, Array.from(tr.children).map(td => td.textContent)])),
        plots: Array.from(document.querySelectorAll("#region-plots canvas")).map(c => c.id),
        json: window.qmapView.region })`);

    // a lasso: the triangle (c0, r0), (c1 + 1, r0), (c0, r1 + 1) in cell units, drawn edge by edge
    await evaluate(`(() => { const s = document.getElementById("select-mode"); s.value = "lasso"; s.dispatchEvent(new Event("change")); })()`);
    const toScreen = (fc, fr) => evaluate(`(() => { const b = document.getElementById("map-overlay").getBoundingClientRect();
        const S = window.qmapView, nr = S.info.shape[0]; return [b.left + S.L + ${fc} * S.cell, b.top + S.T + (nr - ${fr}) * S.cell]; })()`);
    const tri = [[+c0, +r0], [+c1 + 1, +r0], [+c0, +r1 + 1]];
    let [px, py] = await toScreen(tri[0][0], tri[0][1]);
    await mouse("mouseMoved", px, py, 0);
    await mouse("mousePressed", px, py, 1);
    for (let e = 0; e < 3; e++) {
        const [a, b] = [tri[e], tri[(e + 1) % 3]];
        for (let k = 1; k <= 8; k++) {
            [px, py] = await toScreen(a[0] + (b[0] - a[0]) * k / 8, a[1] + (b[1] - a[1]) * k / 8);
            await mouse("mouseMoved", px, py, 1);
        }
    }
    await mouse("mouseReleased", px, py, 0);
    await waitFor("window.qmapView.region && window.qmapView.region.lasso === true", "the lasso region");
    out.lasso = await evaluate(`({ title: document.getElementById("region-title").textContent, path: window.qmapView.lassoPath,
        n: window.qmapView.region.n_positions, sum: window.qmapView.region.sum_intensity,
        sum_value: document.getElementById("region-sum").dataset.value })`);

    await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: false }).then(r =>
        fs.writeFileSync(shot, Buffer.from(r.data, "base64")));

    // a particle from the list
    await evaluate(`(() => { const s = document.getElementById("particle-select");
        if (s.options.length > 1) { s.value = "1"; s.dispatchEvent(new Event("change")); } })()`);
    if (await evaluate(`document.getElementById("particle-select").options.length > 1`)) {
        await waitFor("window.qmapView.region && window.qmapView.region.label === 1", "the particle region");
        out.particle = await evaluate("({ n: window.qmapView.region.n_positions, sum: window.qmapView.region.sum_intensity })");
    }
    // a region summed in steps (the path of regions above 1600 positions), forced on a small one
    await evaluate(`(() => { window.qmapView.lastRegionQspaceMs = undefined; showRegion("r0=${r0}&r1=${r1}&c0=${c0}&c1=${c1}&qspace=steps"); })()`);
    if (await evaluate("window.qmapView.info.has_cube")) {
        await waitFor("window.qmapView.lastRegionQspaceMs !== undefined", "the region's q-space summed in steps");
        out.region_steps = await evaluate(`({ total: window.qmapView.region.qspace.total, n: window.qmapView.region.n_positions,
            plots: Array.from(document.querySelectorAll("#region-plots canvas")).map(c => c.id),
            message: document.getElementById("region-message").textContent })`);
    }

    // move the VOI: the upper half of the qz range (and the whole qx, qy ranges)
    out.voi = await evaluate(`(() => { const c = window.qmapView.info.qspace_axes[2], st = c[1] - c[0];
        const mid = c[Math.floor(c.length / 2)] - st / 2;
        document.getElementById("voi-qz-lo").value = mid; document.getElementById("voi-apply").click();
        return { has_cube: window.qmapView.info.has_cube }; })()`);
    if (out.voi.has_cube) {
        await waitFor(`window.qmapView.voi && window.qmapView.voi.done && window.qmapView.current.name === "voi_intensity"`, "the moved VOI's maps");
        out.voi = await evaluate(`({ has_cube: true, job: window.qmapView.voi, ms: window.qmapView.lastVoiMs,
            title: document.getElementById("map-title").textContent, progress: document.getElementById("voi-progress").textContent,
            intensity: window.qmapView.maps.voi_intensity.values, qz: window.qmapView.maps.voi_qz.values,
            picture: document.getElementById("map-canvas").toDataURL().length + ":" +
                     Array.from(document.getElementById("map-canvas").toDataURL()).reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7) })`);
    } else {
        await sleep(100);
        out.voi.message = await evaluate(`document.getElementById("voi-message").textContent`);
    }

    // SVG downloads of the map, position and region panels: well-formed SVG with vector text and
    // lines (downloads themselves are denied in this headless browser); the Scans panel's SVG figure
    await send("Browser.setDownloadBehavior", { behavior: "deny" }, true).catch(() => {});
    out.svg = {};
    for (const id of ["map-svg", "pos-svg", "region-svg"]) {
        out.svg[id] = await evaluate(`(() => { window.qmapView.lastSVG = null; document.getElementById("${id}").click();
            const t = window.qmapView.lastSVG; if (!t) return null;
            const d = new DOMParser().parseFromString(t, "image/svg+xml");
            return { bad: d.querySelector("parsererror") !== null, texts: d.querySelectorAll("text").length,
                     paths: d.querySelectorAll("path").length, images: d.querySelectorAll("image").length,
                     words: Array.from(d.querySelectorAll("text")).map(e => e.textContent).join(" ").slice(0, 400),
                     text: ${process.env.QMAP_VIEW_SVG_DIR ? "t" : "null"} }; })()`);
        if (out.svg[id] && out.svg[id].text) {   // QMAP_VIEW_SVG_DIR: keep the SVG files to look at
            fs.writeFileSync(path.join(process.env.QMAP_VIEW_SVG_DIR, id + ".svg"), out.svg[id].text);
            out.svg[id].text = null;
        }
    }
    out.svg.figure = await evaluate(`fetch("api/figure?name=drift&format=svg").then(r => r.text().then(t => ({ status: r.status,
        type: r.headers.get("content-type"), ok: new DOMParser().parseFromString(t, "image/svg+xml").querySelector("parsererror") === null && t.includes("<svg") })))`);
    out.figures = await evaluate(`Array.from(document.querySelectorAll("img.figure")).map(i => [i.id, i.naturalWidth])`);
    out.timings = await evaluate("({ map: window.qmapView.lastMapMs, position: window.qmapView.lastPositionMs, region: window.qmapView.lastRegionMs })");
    await sleep(200);
    out.problems = problems;
    process.stdout.write(JSON.stringify(out));
    cleanup(0);
}
main().catch(e => fail(e.stack || String(e)));
