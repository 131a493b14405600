/*
 * The map page's files, built into the program (cmake/embed.cmake turns
 * src/web/page.html, map.css and map.js into arrays).
 */

struct web_asset {
	const char *path;            /* "/", "/map.css", "/map.js"        */
	const char *ctype;
	const unsigned char *data;
	size_t len;
	bool open;                   /* served without the token          */
};

/** The asset at path, or NULL */
const struct web_asset *web_asset_find(const struct pl *path);
