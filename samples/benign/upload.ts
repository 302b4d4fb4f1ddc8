import { createHash } from "crypto";

export interface UploadOptions {
  token?: string;
  password?: string;
  retries: number;
}

export async function upload(file: Blob, opts: UploadOptions): Promise<string> {
  const token = opts.token ?? process.env.UPLOAD_TOKEN;
  const password = opts.password || (await prompt("Password: "));
  const authorization = `Bearer ${token}`;
  const digest = createHash("sha256").update(await file.text()).digest("hex");
  const res = await fetch(`https://files.internal/api/v2/upload?sha256=${digest}`, {
    method: "PUT",
    headers: { authorization, "x-password-hint": password ? "set" : "unset" },
    body: file,
  });
  return (await res.json()).id;
}

export const KNOWN_DIGESTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
];
export const BUILD_ID = "7f3c9a2e-4b1d-4e8f-9a6c-2d5e8f1b3c7a";
