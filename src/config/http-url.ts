import { z } from 'zod';

/** An http(s) URL, without its trailing slashes (a native path is appended to it). */
export const httpUrl = z
  .string()
  .refine((value) => /^https?:\/\/[^/?#]+/.test(value) && URL.canParse(value), {
    message: 'expected an http(s) URL such as https://api.openai.com/v1',
  })
  .transform((value) => value.replace(/\/+$/, ''));
