// The playground's admin offers French besides English, to show the plugin's translations.
export default {
  config: {
    locales: ['fr'],
  },
  bootstrap() {},
};
