/** @type {import('next').NextConfig} */
const nextConfig = {
  // The example brings no ESLint of its own; the repository lints it.
  eslint: { ignoreDuringBuilds: true },
};

export default nextConfig;
