// Each screen's markup lives beside the others in ui/screens/<name>.html; index.html keeps the
// shell (sidebar, status area, banners) and one empty <section> per screen. The markup is the
// app's own (never data from the API) and is parsed inert with DOMParser: no script in it runs.

/** Fills each screen's <section id="name"> from screens/<name>.html, all at once. */
export async function loadScreenMarkup(names) {
  const parser = new DOMParser();
  await Promise.all(names.map(async (name) => {
    const section = document.getElementById(name);
    if (!section) throw new Error(`index.html has no <section id="${name}">`);
    const reply = await fetch(`screens/${name}.html`);
    if (!reply.ok) throw new Error(`screens/${name}.html: HTTP ${reply.status}`);
    const page = parser.parseFromString(await reply.text(), 'text/html');
    section.replaceChildren(...page.body.childNodes);
  }));
}
