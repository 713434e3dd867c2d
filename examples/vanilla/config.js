// Where the page's Strapi answers, and the hosts besides cdn.iflychat.com the widget script may
// come from (none on a real site; the local emulator's in the demo). Edit for your site.
export const strapiUrl = 'http://localhost:1337';
export const allowedScriptHosts = [];
