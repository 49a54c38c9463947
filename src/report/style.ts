// The report page's stylesheet: readable on a screen at the meeting, and an A4 handout when the
// browser prints it (no navigation, no split tables or charts, links written out).
export const REPORT_CSS = `
@font-face { font-family: "Partnerpuls Sans"; src: url("fonts/dejavu-sans.ttf") format("truetype"); font-weight: normal; }
@font-face { font-family: "Partnerpuls Sans"; src: url("fonts/dejavu-sans-bold.ttf") format("truetype"); font-weight: bold; }
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: "Partnerpuls Sans", "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #111; background: #fff; max-width: 60rem; margin: 0 auto; padding: 1.5rem; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.7rem; margin: 0.2rem 0; }
h2 { font-size: 1.35rem; border-bottom: 2px solid #08519c; padding-bottom: 0.2rem; margin-top: 2rem; }
h3 { font-size: 1.1rem; margin: 1.4rem 0 0.2rem; }
h4 { font-size: 1rem; margin: 1rem 0 0.3rem; }
.meta, .note { color: #444; margin: 0.2rem 0; }
.audience { background: #fdf3c8; border-left: 4px solid #8a6d00; padding: 0.6rem 0.8rem; }
.lang { float: right; margin: 0; }
.downloads a { white-space: nowrap; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 0.8rem; font-size: 0.92rem; }
th, td { text-align: left; padding: 0.25rem 0.45rem; border-bottom: 1px solid #ccc; vertical-align: top; }
th { background: #eef3f9; }
td:nth-child(n+3) { white-space: nowrap; }
table.statements td:nth-child(2) { white-space: normal; }
figure.chart { margin: 0.6rem 0; }
figure.chart img { display: block; max-width: 100%; height: auto; }
.comment-section { font-weight: bold; margin: 0.6rem 0 0; }
a { color: #08519c; }
@page { size: A4; margin: 15mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  .lang, .downloads { display: none; }
  h2 { break-after: avoid; }
  h3, h4 { break-after: avoid; }
  section.series { break-before: page; }
  section.series:first-of-type { break-before: auto; }
  section.actions { break-before: page; }
  figure.chart, tr { break-inside: avoid; }
  figure.chart img { max-height: 120mm; }
  thead { display: table-header-group; }
}
`;
