"""The report page's stylesheet, inlined into every HTML report (no external font or URL; CJK from the system fonts)."""

CSS = """
:root{--fail:#c62828;--review:#e08600;--standing:#5c6bc0;--pass:#2e7d32;--muted:#666;--line:#ddd}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1200px;padding:16px 24px 48px;color:#222;background:#fff;
font:14px/1.5 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 10px;border-bottom:2px solid var(--line)}
h3{font-size:16px;margin:22px 0 6px;padding:4px 8px;background:#f3f3f3}h4{margin:14px 0 6px;font-size:14px}
h4.fail{color:var(--fail)}h4.review{color:var(--review)}h4.standing{color:var(--standing)}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;color:var(--muted)}
.meta dt{font-weight:600}.meta dd{margin:0}
.verdict{border:3px solid var(--muted);border-radius:6px;padding:10px 16px;margin:16px 0}
.verdict h2{border:0;margin:0 0 6px;font-size:24px}
.verdict.eligible{border-color:var(--pass)}.verdict.eligible h2{color:var(--pass)}
.verdict.needs_review{border-color:var(--review)}.verdict.needs_review h2{color:var(--review)}
.verdict.not_eligible{border-color:var(--fail)}.verdict.not_eligible h2{color:var(--fail)}
.amounts{display:flex;gap:32px;flex-wrap:wrap;font-size:16px}.amounts b{font-size:20px;margin-left:6px}
.badge{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;background:var(--muted);font-size:12px;
font-weight:600;white-space:nowrap}
.badge.fail,.badge.not_eligible{background:var(--fail)}.badge.review,.badge.needs_review{background:var(--review)}
.badge.standing{background:var(--standing)}.badge.pass,.badge.eligible{background:var(--pass)}
.tally .badge{margin-right:6px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:#fafafa;font-weight:600}td.num{text-align:right;white-space:nowrap}td.n{color:var(--muted)}
td.val{font-weight:600}td.docs{font-size:12px}.why{font-size:12px;color:var(--muted)}
.scroll{overflow-x:auto}
.finding{border-left:4px solid var(--muted);padding:6px 10px;margin:8px 0;background:#fcfcfc}
.finding.fail{border-color:var(--fail)}.finding.review{border-color:var(--review)}
.finding.standing{border-color:var(--standing)}.finding.pass{border-color:var(--pass)}
.finding .head{display:flex;gap:10px;align-items:baseline}.rule{font-size:15px}
.score{color:var(--muted);font-size:12px}.msg{margin:4px 0}
.obs{font-size:13px}
.crops{display:flex;flex-wrap:wrap;gap:10px}
figure.crop{margin:4px 0;max-width:100%}
figure.crop svg{display:block;max-width:100%;height:auto;border:1px solid var(--line)}
figure.crop figcaption{font-size:12px;color:var(--muted)}
.crop rect,.crop polygon{fill:none;stroke-width:2.5;vector-effect:non-scaling-stroke}
.crop text{font:bold 15px sans-serif;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
.fail .crop rect,.fail .crop polygon{stroke:var(--fail)}.fail .crop text{fill:var(--fail)}
.review .crop rect,.review .crop polygon{stroke:var(--review)}.review .crop text{fill:var(--review)}
.standing .crop rect,.standing .crop polygon{stroke:var(--standing)}.standing .crop text{fill:var(--standing)}
.pass .crop rect,.pass .crop polygon{stroke:var(--pass)}.pass .crop text{fill:var(--pass)}
.noimg{width:320px;padding:24px 12px;border:1px dashed var(--muted);color:var(--muted);text-align:center}
.store{position:absolute;width:0;height:0;overflow:hidden}
details>summary{cursor:pointer}details>summary h2{display:inline-block;border:0}
.passes>summary{color:var(--pass);font-weight:600;margin:10px 0}
.more{font-size:12px;color:var(--muted)}
@media print{details{display:block}.finding{break-inside:avoid}}
"""
