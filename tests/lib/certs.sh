# Certificates made at run time for the TLS tests (none is committed):
#   certs_make DIR  makes in DIR
#     ca.pem                 a test CA (its key stays in DIR)
#     good.pem               cert + key for 127.0.0.1 (subjectAltName
#                            IP:127.0.0.1, DNS:localhost), signed by the CA
#     selfsigned.pem         cert + key for 127.0.0.1, signed by itself
#     othername.pem          cert + key signed by the CA, but for
#                            IP:127.0.0.9 and DNS:rogue.invalid only
# EC P-256 keys: quick to make.
certs_make() {
	local d=$1
	mkdir -p "$d"
	(
	cd "$d" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -out ca.pem -days 2 -subj "/CN=sipmob test CA" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || exit 1
	leaf() {   # NAME CN SAN
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$1.key" -out "$1.csr" -subj "/CN=$2" \
			2>/dev/null || return 1
		printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' \
			"$3" >"$1.ext"
		openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key \
			-CAcreateserial -out "$1.crt" -days 2 -extfile "$1.ext" \
			2>/dev/null || return 1
		cat "$1.crt" "$1.key" >"$1.pem"
	}
	leaf good 127.0.0.1 "IP:127.0.0.1,DNS:localhost" || exit 1
	leaf othername rogue.invalid "IP:127.0.0.9,DNS:rogue.invalid" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout selfsigned.key -out selfsigned.crt -days 2 \
		-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
		2>/dev/null || exit 1
	cat selfsigned.crt selfsigned.key >selfsigned.pem
	)
}
