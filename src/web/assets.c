/*
 * Which built-in file answers which path. The page wants the token when
 * one is needed; its stylesheet and script are the same in every
 * sipmob-mn and are served to anyone.
 */
#include <re.h>
#include "web_assets.h"

extern const unsigned char web_page_html[], web_map_css[], web_map_js[];
extern const size_t web_page_html_len, web_map_css_len, web_map_js_len;

const struct web_asset *web_asset_find(const struct pl *path)
{
	static struct web_asset v[4];
	static bool ready;

	if (!ready) {   /* the lengths are not constant expressions in C */
		v[0] = (struct web_asset){"/", "text/html; charset=utf-8",
			web_page_html, web_page_html_len, false};
		v[1] = (struct web_asset){"/index.html",
			"text/html; charset=utf-8", web_page_html,
			web_page_html_len, false};
		v[2] = (struct web_asset){"/map.css",
			"text/css; charset=utf-8", web_map_css,
			web_map_css_len, true};
		v[3] = (struct web_asset){"/map.js",
			"text/javascript; charset=utf-8", web_map_js,
			web_map_js_len, true};
		ready = true;
	}
	for (size_t i = 0; path && i < ARRAY_SIZE(v); i++) {
		if (!pl_strcmp(path, v[i].path))
			return &v[i];
	}
	return NULL;
}
