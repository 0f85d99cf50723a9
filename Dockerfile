# medpacket in a container: Debian 12 and the package, nothing else. Build
# the package first, then the image from the folder that holds it:
#
#   cmake --build build --target package        # build/medpacket_0.1.0-1_amd64.deb
#   docker build -f Dockerfile -t medpacket build/
#   docker run --rm -v "$PWD/clinic:/etc/medpacket:ro" -v "$PWD/out:/out" medpacket \
#     render trigger-point/packet.yaml --data /usr/share/medpacket/examples/patient.yaml -o /out/p.pdf
#
# The booking key is the clinic's secret and is not in the image: mount
# /etc/medpacket (clinic.yaml, booking.key made by `medpacket new-key`) at run
# time. Recommends are installed: the Noto fonts print the language notice.
FROM debian:12-slim
COPY medpacket_*.deb /tmp/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y /tmp/medpacket_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/medpacket_*.deb
ENTRYPOINT ["medpacket"]
